#!/usr/bin/env bash
# Integration test, run by hand (not part of ctest or .ci): a custsim sweep through Slurm.
#
#   sudo bash tests/integration/slurm_sweep.sh        (from the repository, after building)
#
# From scratch on one Debian machine: installs slurm-wlm and munge when missing, writes a
# one-node Slurm configuration for this host under a temporary folder, starts munged, slurmctld
# and slurmd there (private socket and ports, nothing in /etc is changed), then
#   1. submits a small sweep with `sbatch --wait` through tests/integration/sweep.sbatch
#      (OpenMPI's mpirun inside the job, 2 tasks: 3 ranks);
#   2. the same through `srun --mpi=pmix`, when this Slurm has the PMIx plugin;
#   3. cancels a larger sweep's job after its first finished point and submits it again, which
#      must resume (the log says so) and finish;
# and checks with /usr/bin/python3 + h5py that every result file has /done all 1 and the same
# /points, /time, /final (and, for the small sweep, /timeseries) values, bit for bit, as a
# single-process `custsim sweep` of the same file. The daemons are stopped and the folder is
# removed at the end (KEEP=1 keeps it). About 30 s on 2 cores once Slurm is installed.
#
# Exit codes: 0 passed; 1 failed (the message says what); 77 Slurm cannot run on this machine
# (not root, no apt-get, or a daemon would not start: the message and the daemon's log say why).
# Environment: CUSTSIM=path of the binary (default build/release/core/custsim), KEEP=1.
set -uo pipefail

started=$SECONDS
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
custsim=${CUSTSIM:-$repo/build/release/core/custsim}
python=/usr/bin/python3

say() { printf 'slurm_sweep [%3ds]: %s\n' $((SECONDS - started)) "$*"; }
reason=
fail() { reason="FAIL: $*"; say "$reason" >&2; exit 1; }
cannot() { reason="SLURM CANNOT RUN HERE: $*"; say "$reason" >&2; exit 77; }

# ---------------------------------------------------------------------------- prerequisites
[ "$(id -u)" -eq 0 ] || cannot "needs root (installs packages, runs slurmd as root); run with sudo"
[ -x "$custsim" ] || fail "no custsim binary at $custsim (build first:" \
  "cmake --preset release && cmake --build --preset release; or set CUSTSIM)"
command -v mpirun >/dev/null || fail "mpirun missing (bash .ci/setup installs openmpi-bin)"
$python -c 'import h5py, numpy' 2>/dev/null || fail "$python lacks h5py/numpy (bash .ci/setup installs python3-h5py)"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
   ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || cannot "slurm-wlm is not installed and there is no apt-get to install it"
  say "installing slurm-wlm and munge"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge; } \
    >/tmp/slurm_sweep_apt.log 2>&1 ||
    cannot "apt-get install slurm-wlm munge failed (log: /tmp/slurm_sweep_apt.log)"
fi
for tool in munged munge unmunge slurmctld slurmd sbatch srun squeue scancel sinfo scontrol; do
  command -v $tool >/dev/null || cannot "$tool missing after installing slurm-wlm and munge"
done

# ---------------------------------------------------------------------------- daemons
work=$(mktemp -d /tmp/custsim-slurm.XXXXXX)
chmod 755 "$work" # munged wants every folder above its socket searchable by all
pids=()
# shellcheck disable=SC2317 # called from the EXIT trap
stop_daemons() {
  local pid
  # slurmd first (it kills what is left of jobs), then the controller, then munge
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  pids=()
}
# shellcheck disable=SC2317
finish() {
  local code=$?
  stop_daemons
  if [ "$code" -ne 0 ]; then
    for log in "$work"/log/*; do
      [ -s "$log" ] || continue
      echo "----- last lines of $log" >&2
      tail -n 25 "$log" >&2
    done
  fi
  if [ "${KEEP:-0}" = 1 ] || [ "$code" -ne 0 ]; then
    say "files kept in $work"
  else
    rm -rf "$work"
  fi
  if [ "$code" -eq 0 ]; then
    say "PASSED in $((SECONDS - started)) s"
  else
    say "exit $code after $((SECONDS - started)) s${reason:+: $reason}" >&2
  fi
}
trap finish EXIT
trap 'exit 130' INT TERM

mkdir -p "$work"/{munge,state,spool,log,run}
chmod 711 "$work/munge"
install -m 600 /dev/null "$work/munge/munge.key"
head -c 1024 /dev/urandom >"$work/munge/munge.key" # a key for this test only
munged --foreground --socket="$work/munge/socket" --key-file="$work/munge/munge.key" \
  --pid-file="$work/munge/munged.pid" --seed-file="$work/munge/seed" \
  --log-file="$work/log/munged.log" >>"$work/log/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$work/munge/socket" ] && break; sleep 0.1; done
munge -n -S "$work/munge/socket" 2>/dev/null | unmunge -S "$work/munge/socket" >/dev/null 2>&1 ||
  cannot "munged did not start (see $work/log/munged.log)"

# Two free TCP ports for slurmctld and slurmd, away from a Slurm that may already run here.
used=$(ss -Htan 2>/dev/null | awk '{print $4}' | sed 's/.*://' | sort -u)
ports=()
for port in $(seq $((20000 + RANDOM % 20000)) 60000); do
  grep -qx "$port" <<<"$used" || ports+=("$port")
  [ ${#ports[@]} -eq 2 ] && break
done

host=$(hostname -s)
# The node as slurmd sees it (CPUs, sockets, cores, threads, memory) so that it is not drained
node=$(slurmd -C 2>/dev/null | head -n 1)
[[ $node == NodeName=$host\ * ]] || cannot "slurmd -C cannot describe this machine: '$node'"
conf=$work/slurm.conf
cat >"$conf" <<EOF
ClusterName=custsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${ports[0]}
SlurmdPort=${ports[1]}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
KillWait=5
SlurmctldTimeout=30
SlurmdTimeout=30
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$conf

slurmctld -D -i -f "$conf" >>"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  kill -0 "${pids[1]}" 2>/dev/null || break
  scontrol ping 2>/dev/null | grep -q UP && break
  sleep 0.2
done
scontrol ping 2>/dev/null | grep -q UP ||
  cannot "slurmctld did not come up (see $work/log/slurmctld.log and slurmctld.out)"

slurmd -D -f "$conf" >>"$work/log/slurmd.out" 2>&1 &
pids+=($!)
state=
for _ in $(seq 150); do
  kill -0 "${pids[2]}" 2>/dev/null || break
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null)
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "$state" = idle ] || cannot "slurmd did not register this node as idle (state '$state'," \
  "reason '$(sinfo -h -n "$host" -o %E 2>/dev/null)'; see $work/log/slurmd.log and slurmd.out)"
say "Slurm $(slurmd -V | awk '{print $2}') up on $host: $node"

# ---------------------------------------------------------------------------- sweeps
export CUSTSIM=$custsim OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset CUSTSIM_LAUNCHER
cd "$work" || fail "cannot enter $work"
cat >small.yaml <<EOF
base: $repo/scenarios/baseline.yaml
set: [population.customers=3000, days=30, replicates=2]
design: grid
timeseries: true
parameters:
  - {key: brands.focal.price, values: [10, 14]}
EOF
cat >resume.yaml <<EOF
base: $repo/scenarios/baseline.yaml
set: [population.customers=20000, days=90, replicates=2]
design: grid
parameters:
  - {key: brands.focal.price, values: [10, 12, 14, 16, 18, 20]}
EOF
single() { # the reference: one process, no MPI, no Slurm
  env -u SLURM_CONF "$custsim" sweep "$1" -o "$2" --threads 1 --quiet ||
    fail "single-process custsim sweep $1 failed"
}
same() { # same RESULT REFERENCE: /done all 1; every /points, /time, /final, /timeseries identical
  $python - "$1" "$2" <<'EOF' || fail "$1 differs from the single-process run $2 (above)"
import sys, h5py, numpy as np
def load(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, o: out.__setitem__(name, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out
got, want = load(sys.argv[1]), load(sys.argv[2])
problems = []
if not np.all(got.get("done", np.zeros(1)) == 1):
    problems.append(f"/done is {got.get('done')}, not all 1")
keys = sorted(k for k in want if k.split("/")[0] in ("points", "time", "final", "timeseries"))
if not any(k.startswith("final/") for k in keys):
    problems.append("the reference has no /final datasets")
for k in keys:
    if k not in got:
        problems.append(f"/{k} missing")
    elif got[k].shape != want[k].shape or got[k].dtype != want[k].dtype:
        problems.append(f"/{k}: {got[k].dtype}{got[k].shape} != {want[k].dtype}{want[k].shape}")
    elif got[k].tobytes() != want[k].tobytes():
        a, b = got[k].ravel(), want[k].ravel()
        i = next(j for j in range(a.size) if a[j:j + 1].tobytes() != b[j:j + 1].tobytes())
        problems.append(f"/{k} differs, first at flat index {i}: {a[i]!r} vs {b[i]!r}")
extra = sorted(k for k in got if k not in want)
if extra:
    problems.append(f"extra datasets {extra}")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"  {sys.argv[1]}: /done all 1, {len(keys)} datasets equal to {sys.argv[2]} bit for bit")
EOF
}
submit() { # submit LOG SWEEP OUT [more sbatch options]: sbatch --wait through sweep.sbatch
  local log=$1 sweep=$2 out=$3
  shift 3
  timeout 600 sbatch --wait --parsable --nodes=1 --ntasks=2 --cpus-per-task=1 \
    --mem-per-cpu=200M --time=10 --output="$work/$log" "$@" \
    "$here/sweep.sbatch" "$sweep" "$out" >/dev/null
}

single small.yaml reference_small.h5
single resume.yaml reference_resume.h5

say "1. sbatch --wait sweep.sbatch with mpirun (2 tasks x 1 thread, 3 ranks)"
submit mpirun.log small.yaml mpirun.h5 || { cat mpirun.log >&2; fail "the mpirun job failed"; }
grep -q "3 ranks" mpirun.log || { cat mpirun.log >&2; fail "the mpirun job did not run 3 ranks"; }
same mpirun.h5 reference_small.h5

if srun --mpi=list 2>&1 | grep -qw pmix; then
  say "2. sbatch --wait sweep.sbatch with srun --mpi=pmix"
  CUSTSIM_LAUNCHER=srun submit srun.log small.yaml srun.h5 ||
    { cat srun.log >&2; fail "the srun job failed"; }
  grep -q "3 ranks" srun.log || { cat srun.log >&2; fail "the srun job did not run 3 ranks"; }
  same srun.h5 reference_small.h5
else
  say "2. skipped: this Slurm has no PMIx plugin (srun --mpi=list)"
fi

say "3. a job cancelled after its first point, then submitted again"
job=$(sbatch --parsable --nodes=1 --ntasks=2 --cpus-per-task=1 --mem-per-cpu=200M --time=10 \
  --output="$work/resume.log" "$here/sweep.sbatch" resume.yaml resume.h5) ||
  fail "sbatch of the resume sweep failed"
for _ in $(seq 600); do
  compgen -G "resume.h5.parts/point_*.h5" >/dev/null && break
  squeue -h -j "$job" 2>/dev/null | grep -q . || break
  sleep 0.1
done
compgen -G "resume.h5.parts/point_*.h5" >/dev/null ||
  { cat resume.log >&2; fail "job $job ended before writing any point"; }
scancel "$job"
for _ in $(seq 300); do squeue -h -j "$job" 2>/dev/null | grep -q . || break; sleep 0.1; done
squeue -h -j "$job" 2>/dev/null | grep -q . && fail "job $job still there 30 s after scancel"
kept=$(compgen -G "resume.h5.parts/point_*.h5" | wc -l)
[ "$kept" -lt 6 ] || fail "job $job finished all 6 points before it was cancelled; cannot test resuming"
say "  job $job cancelled with $kept of 6 points finished"
submit resume.log resume.yaml resume.h5 || { cat resume.log >&2; fail "the resubmitted job failed"; }
grep -q "resuming: [1-9]" resume.log || { cat resume.log >&2; fail "the resubmitted job did not resume"; }
[ ! -e resume.h5.parts ] || fail "resume.h5.parts is still there after the sweep finished"
same resume.h5 reference_resume.h5

exit 0
