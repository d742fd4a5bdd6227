#include "custsim/results.hpp"

#include "custsim/error.hpp"
#include "custsim/resources.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <zlib.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <tuple>

namespace custsim {

namespace {

void check(herr_t status, const std::string& what) {
    if (status < 0) {
        throw std::runtime_error("HDF5: cannot " + what);
    }
}

[[noreturn]] void refuse(const std::string& what) {
    throw InputError(what);
}

/// Owns an HDF5 identifier and closes it with the matching function.
class Handle {
  public:
    Handle(hid_t id, herr_t (*close)(hid_t), const std::string& what) : id_(id), close_(close) {
        if (id_ < 0) {
            throw std::runtime_error("HDF5: cannot " + what);
        }
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { close_(id_); }
    operator hid_t() const { return id_; }

  private:
    hid_t id_;
    herr_t (*close_)(hid_t);
};

void quiet_hdf5() {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

/// Variable-length UTF-8, so h5py reads it as str, not bytes.
void write_string_attribute(hid_t file, const char* name, const std::string& value) {
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "make a string type");
    check(H5Tset_size(type, H5T_VARIABLE), "make a string type");
    check(H5Tset_cset(type, H5T_CSET_UTF8), "make a string type");
    Handle space(H5Screate(H5S_SCALAR), H5Sclose, "make a scalar space");
    Handle attribute(H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                     std::string("write attribute ") + name);
    const char* text = value.c_str();
    check(H5Awrite(attribute, type, &text), std::string("write attribute ") + name);
}

/// A list of names as an attribute of `object`: a 1-d array of variable-length UTF-8 strings.
void write_names_attribute(hid_t object, const char* name, const std::vector<std::string>& names) {
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "make a string type");
    check(H5Tset_size(type, H5T_VARIABLE), "make a string type");
    check(H5Tset_cset(type, H5T_CSET_UTF8), "make a string type");
    const hsize_t count = names.size();
    Handle space(H5Screate_simple(1, &count, nullptr), H5Sclose, "make a space");
    Handle attribute(H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                     std::string("write attribute ") + name);
    std::vector<const char*> texts;
    for (const auto& n : names) {
        texts.push_back(n.c_str());
    }
    check(H5Awrite(attribute, type, texts.data()), std::string("write attribute ") + name);
}

std::vector<std::string> read_names_attribute(hid_t object, const char* name) {
    const std::string what = std::string("attribute ") + name;
    if (H5Aexists(object, name) <= 0) {
        throw InputError(what + ": missing");
    }
    Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, "open " + what);
    Handle space(H5Aget_space(attribute), H5Sclose, "read " + what);
    Handle stored(H5Aget_type(attribute), H5Tclose, "read " + what);
    const auto count = H5Sget_simple_extent_npoints(space);
    if (H5Tget_class(stored) != H5T_STRING || H5Tis_variable_str(stored) <= 0 || count < 0 ||
        count > 65536) {
        throw InputError(what + ": must be a list of texts");
    }
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose, what);
    check(H5Tset_size(type, H5T_VARIABLE), what);
    check(H5Tset_cset(type, H5T_CSET_UTF8), what);
    std::vector<char*> texts(static_cast<std::size_t>(count), nullptr);
    check(H5Aread(attribute, type, texts.data()), "read " + what);
    std::vector<std::string> names;
    for (char* text : texts) {
        names.emplace_back(text ? text : "");
        H5free_memory(text);
    }
    return names;
}

/// /channels or /brands: [replicates, points, items] per KPI, with the item names attached.
void write_cube(hid_t file, const char* group_name, const char* attribute, const Results& results,
                const std::vector<std::string>& names,
                const std::map<std::string, std::vector<double>>& cubes) {
    if (names.empty()) {
        return;
    }
    Handle group(H5Gcreate2(file, group_name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                 std::string("create /") + group_name);
    write_names_attribute(group, "names", names);
    const hsize_t dims[3] = {results.replicates, results.points(), names.size()};
    for (const auto& [kpi, values] : cubes) {
        check(H5LTmake_dataset_double(group, kpi.c_str(), 3, dims, values.data()),
              std::string("write /") + group_name + "/" + kpi);
        Handle dataset(H5Dopen2(group, kpi.c_str(), H5P_DEFAULT), H5Dclose, "open " + kpi);
        write_names_attribute(dataset, attribute, names);
    }
}

/// Creates an HDF5 file in memory (the core driver without a backing store): HDF5 never
/// touches the disk, so a full disk cannot leave it with a half-written file it then fails to
/// close (which crashed the process at exit).
/// Bytes reserved at the start of every file custsim writes (an HDF5 "user block", which HDF5
/// and h5py skip) for one line: a CRC-32 of the rest of the file and its size. Readers check it
/// before HDF5 parses anything, since HDF5 follows damaged metadata into crashes and hangs.
constexpr hsize_t user_block = 512;
constexpr char check_prefix[] = "custsim-crc32 ";

std::string check_line(const std::vector<char>& image) {
    const auto* rest = reinterpret_cast<const Bytef*>(image.data() + user_block);
    uLong crc = crc32(0L, Z_NULL, 0);
    for (std::size_t at = 0, left = image.size() - user_block; left > 0;) {
        const auto chunk = static_cast<uInt>(std::min<std::size_t>(left, 1u << 30));
        crc = crc32(crc, rest + at, chunk);
        at += chunk;
        left -= chunk;
    }
    char line[80];
    std::snprintf(line, sizeof line, "%s%08lx %zu\n", check_prefix, crc, image.size());
    return line;
}

/// The whole file, after checking it against the line in its user block.
std::vector<char> read_verified(const std::filesystem::path& path) {
    const std::uintmax_t size = std::filesystem::file_size(path);
    const std::uint64_t available = available_memory();
    if (available > 0 && size > available / 2) {
        refuse("the file is larger than the memory available to read it");
    }
    std::vector<char> bytes(static_cast<std::size_t>(size));
    std::ifstream in(path, std::ios::binary);
    if (!in.read(bytes.data(), std::streamsize(bytes.size()))) {
        refuse(std::string("cannot read it: ") + std::strerror(errno));
    }
    const std::size_t prefix = sizeof check_prefix - 1;
    if (bytes.size() < user_block ||
        !std::equal(check_prefix, check_prefix + prefix, bytes.data())) {
        refuse("it has no custsim check line (not written by custsim, or by a custsim older than "
               "0.1.0's checked files: run it again)");
    }
    const auto end = std::find(bytes.begin(), bytes.begin() + user_block, '\n');
    const std::string recorded(bytes.begin(), end + (end != bytes.begin() + user_block));
    if (recorded != check_line(bytes)) {
        refuse("its bytes do not match the check line custsim wrote (damaged, truncated or edited "
               "since)");
    }
    return bytes;
}

hid_t create_in_memory(const std::string& name) {
    Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "make a property list");
    check(H5Pset_fapl_core(access, 1 << 20, 0), "make a property list");
    Handle creation(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "make a property list");
    check(H5Pset_userblock(creation, user_block), "make a property list");
    return H5Fcreate(name.c_str(), H5F_ACC_TRUNC, creation, access);
}

/// The bytes of a file made by create_in_memory, with the check line in its user block.
std::vector<char> file_image(hid_t file) {
    check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush a file");
    // The image starts at the superblock: the user block goes before it.
    const ssize_t size = H5Fget_file_image(file, nullptr, 0);
    if (size <= 0) {
        throw std::runtime_error("HDF5: cannot make a file image");
    }
    std::vector<char> image(user_block + static_cast<std::size_t>(size), '\0');
    if (H5Fget_file_image(file, image.data() + user_block, std::size_t(size)) != size) {
        throw std::runtime_error("HDF5: cannot make a file image");
    }
    const std::string line = check_line(image);
    std::copy(line.begin(), line.end(), image.begin());
    return image;
}

/// Every array must hold exactly the values its shape says, or HDF5 would read past its end.
void check_size(const std::vector<double>& values, std::uint64_t expected,
                const std::string& name) {
    if (values.size() != expected) {
        throw std::invalid_argument("cannot write " + name + ": " + std::to_string(values.size()) +
                                    " values for a shape of " + std::to_string(expected));
    }
}

std::vector<char> write_file(const Results& results, const std::string& path,
                             const std::map<std::string, std::string>& attributes) {
    if (results.time.empty()) {
        throw std::invalid_argument("cannot write " + path + ": no recorded days");
    }
    const std::uint64_t R = results.replicates, T = results.points();
    for (const auto& [kpi, values] : results.timeseries) {
        check_size(values, R * T, "/timeseries/" + kpi);
    }
    for (const auto& [kpi, values] : results.final) {
        check_size(values, R, "/final/" + kpi);
    }
    for (const auto& [cubes, names] : {std::pair{&results.channels, &results.channel_names},
                                       std::pair{&results.brands, &results.brand_names},
                                       std::pair{&results.markets, &results.market_names}}) {
        for (const auto& [kpi, values] : *cubes) {
            check_size(values, R * T * (names->empty() ? values.size() : names->size()), kpi);
        }
    }
    Handle file(create_in_memory(path), H5Fclose, "create " + path);
    for (const auto& [name, value] : attributes) {
        write_string_attribute(file, name.c_str(), value);
    }
    write_string_attribute(file, "custsim_version", results.custsim_version);
    write_string_attribute(file, "scenario_yaml", results.scenario_yaml);
    const unsigned long seed = results.seed, population = results.population,
                        replicates = results.replicates;
    check(H5LTset_attribute_ulong(file, "/", "seed", &seed, 1), "write seed");
    check(H5LTset_attribute_ulong(file, "/", "replicates", &replicates, 1), "write replicates");
    check(H5LTset_attribute_ulong(file, "/", "population", &population, 1), "write population");
    check(H5LTset_attribute_double(file, "/", "represents", &results.represents, 1),
          "write represents");
    const hsize_t points = results.points();
    check(H5LTmake_dataset_double(file, "/time", 1, &points, results.time.data()), "write /time");
    {
        Handle group(H5Gcreate2(file, "timeseries", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                     H5Gclose, "create /timeseries");
        const hsize_t dims[2] = {results.replicates, points};
        for (const auto& [kpi, values] : results.timeseries) {
            check(H5LTmake_dataset_double(group, kpi.c_str(), 2, dims, values.data()),
                  "write /timeseries/" + kpi);
        }
    }
    {
        Handle group(H5Gcreate2(file, "final", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                     "create /final");
        const hsize_t dims[1] = {results.replicates};
        for (const auto& [kpi, values] : results.final) {
            check(H5LTmake_dataset_double(group, kpi.c_str(), 1, dims, values.data()),
                  "write /final/" + kpi);
        }
    }
    write_cube(file, "channels", "channels", results, results.channel_names, results.channels);
    write_cube(file, "brands", "brands", results, results.brand_names, results.brands);
    write_cube(file, "markets", "markets", results, results.market_names, results.markets);
    return file_image(file);
}

std::vector<std::string> members(hid_t group, const std::string& where) {
    H5G_info_t info;
    check(H5Gget_info(group, &info), "list " + where);
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        const auto size =
            H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
        if (size <= 0) {
            refuse(where + ": a member without a name");
        }
        std::string name(static_cast<std::size_t>(size), '\0');
        if (H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), size + 1,
                               H5P_DEFAULT) != size) {
            refuse(where + ": cannot read a member's name");
        }
        names.push_back(name);
    }
    return names;
}

std::string shape_text(const std::vector<hsize_t>& dims) {
    std::string text = "[";
    for (std::size_t d = 0; d < dims.size(); ++d) {
        text += (d ? ", " : "") + std::to_string(dims[d]);
    }
    return text + "]";
}

/// The shape of a dataset of numbers; refuses anything else.
std::vector<hsize_t> numeric_shape(hid_t dataset, const std::string& where) {
    Handle type(H5Dget_type(dataset), H5Tclose, "read the type of " + where);
    const auto type_class = H5Tget_class(type);
    if (type_class != H5T_FLOAT && type_class != H5T_INTEGER) {
        refuse(where + ": must hold numbers");
    }
    Handle space(H5Dget_space(dataset), H5Sclose, "read the shape of " + where);
    if (H5Sget_simple_extent_type(space) != H5S_SIMPLE) {
        refuse(where + ": must be an array, not a single value or an empty space");
    }
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 1 || rank > 3) {
        refuse(where + ": must have 1 to 3 dimensions, has " + std::to_string(rank));
    }
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (H5Sget_simple_extent_dims(space, dims.data(), nullptr) != rank) {
        refuse(where + ": cannot read its shape");
    }
    return dims;
}

/// Reads a dataset of numbers after checking that its shape is `expected` (so the values fit the
/// memory they go to) and that the values fit in memory at all.
std::vector<double> read_array(hid_t location, const std::string& name,
                               const std::vector<hsize_t>& expected, const std::string& where,
                               const std::string& meaning) {
    Handle dataset(H5Dopen2(location, name.c_str(), H5P_DEFAULT), H5Dclose, "open " + where);
    const auto dims = numeric_shape(dataset, where);
    if (dims != expected) {
        refuse(where + ": has shape " + shape_text(dims) + ", expected " + shape_text(expected) +
               " (" + meaning + ")");
    }
    hsize_t count = 1;
    for (const auto d : dims) {
        if (__builtin_mul_overflow(count, d, &count)) {
            refuse(where + ": shape " + shape_text(dims) + " is too large");
        }
    }
    const std::uint64_t available = available_memory();
    if (count > (std::uint64_t(1) << 56) || (available > 0 && count * 8 > available)) {
        refuse(where + ": shape " + shape_text(dims) + " would need " + std::to_string(count * 8) +
               " bytes, more than the memory available");
    }
    std::vector<double> values(count);
    if (count > 0) {
        check(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
              "read " + where);
    }
    return values;
}

/// Refuses an attribute that is missing or is not one value (not an array) of the given class.
void check_single_attribute(hid_t object, const char* name, H5T_class_t wanted,
                            const std::string& where) {
    if (H5Aexists(object, name) <= 0) {
        refuse(where + ": missing");
    }
    Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, "open " + where);
    Handle space(H5Aget_space(attribute), H5Sclose, "read " + where);
    Handle type(H5Aget_type(attribute), H5Tclose, "read " + where);
    if (H5Sget_simple_extent_npoints(space) != 1 || H5Tget_class(type) != wanted ||
        (wanted == H5T_STRING && H5Tis_variable_str(type) <= 0)) {
        refuse(where + (wanted == H5T_STRING  ? ": must be one text"
                        : wanted == H5T_FLOAT ? ": must be one number"
                                              : ": must be one integer"));
    }
}

std::string read_string_attribute(hid_t file, const char* name) {
    const std::string what = std::string("attribute ") + name;
    check_single_attribute(file, name, H5T_STRING, what);
    Handle attribute(H5Aopen(file, name, H5P_DEFAULT), H5Aclose, what);
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose, what);
    check(H5Tset_size(type, H5T_VARIABLE), what);
    check(H5Tset_cset(type, H5T_CSET_UTF8), what);
    char* text = nullptr;
    check(H5Aread(attribute, type, &text), "read " + what);
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
}

std::uint64_t read_number_attribute(hid_t file, const char* name) {
    const std::string what = std::string("attribute ") + name;
    check_single_attribute(file, name, H5T_INTEGER, what);
    Handle attribute(H5Aopen(file, name, H5P_DEFAULT), H5Aclose, what);
    std::uint64_t value = 0;
    check(H5Aread(attribute, H5T_NATIVE_UINT64, &value), "read " + what);
    return value;
}

/// The people the population stands for; files written before population.represents have none.
double read_represents(hid_t file) {
    if (H5Aexists(file, "represents") <= 0) {
        return 0;
    }
    check_single_attribute(file, "represents", H5T_FLOAT, "attribute represents");
    Handle attribute(H5Aopen(file, "represents", H5P_DEFAULT), H5Aclose, "attribute represents");
    double value = 0;
    check(H5Aread(attribute, H5T_NATIVE_DOUBLE, &value), "read attribute represents");
    if (!(value == 0 || (value >= 1 && value <= 1e12))) {
        refuse("attribute represents: must be 0 or from 1 to 1e12, got " + std::to_string(value));
    }
    return value;
}

/// Writes all of `bytes` to a new file at `path` and makes it durable; throws naming `shown`
/// (the file the user asked for) and the system's reason, e.g. "No space left on device".
void write_bytes(const std::filesystem::path& path, const std::vector<char>& bytes,
                 const std::filesystem::path& shown) {
    auto fail = [&](int error) {
        throw std::runtime_error("cannot write " + shown.string() + ": " + std::strerror(error));
    };
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        fail(errno);
    }
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const int error = n < 0 ? errno : ENOSPC;
            ::close(fd);
            fail(error);
        }
        written += std::size_t(n);
    }
    // Durable before it is visible under the real name; a full disk can show up only here.
    if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
        const int error = errno;
        ::close(fd);
        fail(error);
    }
    if (::close(fd) != 0) {
        fail(errno);
    }
}

/// Builds the file in memory with build(temporary name), writes it to a temporary file beside
/// `path`, then renames it over `path`; on any failure removes the temporary and leaves `path`
/// as it was.
template <class Build> void write_atomically(const std::filesystem::path& path, Build&& build) {
    quiet_hdf5();
    const auto temporary =
        std::filesystem::path(path.string() + ".tmp." + std::to_string(::getpid()));
    const std::vector<char> image = build(temporary.string());
    try {
        write_bytes(temporary, image, path);
        std::filesystem::rename(temporary, path);
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        throw;
    }
}

void add(std::uint64_t& hash, const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        hash = (hash ^ bytes[i]) * 1099511628211ull;
    }
}

void add(std::uint64_t& hash, const std::string& text) {
    const std::uint64_t size = text.size();
    add(hash, &size, sizeof size);
    add(hash, text.data(), text.size());
}

void add(std::uint64_t& hash, const std::vector<double>& values) {
    const std::uint64_t size = values.size();
    add(hash, &size, sizeof size);
    add(hash, values.data(), values.size() * sizeof(double));
}

void add(std::uint64_t& hash, const std::map<std::string, std::vector<double>>& arrays) {
    const std::uint64_t size = arrays.size();
    add(hash, &size, sizeof size);
    for (const auto& [name, values] : arrays) {
        add(hash, name);
        add(hash, values);
    }
}

void add(std::uint64_t& hash, const std::vector<std::string>& names) {
    const std::uint64_t size = names.size();
    add(hash, &size, sizeof size);
    for (const auto& name : names) {
        add(hash, name);
    }
}

/// The scenario's name, from the first `name:` line of its resolved YAML.
std::string scenario_name(const Results& results) {
    const auto& yaml = results.scenario_yaml;
    const auto at = yaml.rfind("name: ", 0) == 0 ? 0 : yaml.find("\nname: ");
    if (at == std::string::npos) {
        return "(unnamed)";
    }
    const auto start = yaml.find("name: ", at) + 6;
    return yaml.substr(start, yaml.find('\n', start) - start);
}

[[noreturn]] void not_finite(const Results& results, const std::string& kpi, double value,
                             std::uint32_t replicate, const std::string& when) {
    throw InputError("scenario " + scenario_name(results) + ": KPI '" + kpi + "' became " +
                     (std::isnan(value) ? "NaN"
                      : value > 0       ? "inf"
                                        : "-inf") +
                     " " + when + " of replicate " + std::to_string(replicate) +
                     ": a number in the scenario (a spend, price, cost or rate) is too large to "
                     "compute with; no results are kept");
}

} // namespace

void write_results(const Results& results, const std::filesystem::path& path,
                   const std::map<std::string, std::string>& attributes) {
    write_atomically(path, [&](const std::string& temporary) {
        return write_file(results, temporary, attributes);
    });
}

void write_text(const std::filesystem::path& path, const std::string& text) {
    write_atomically(
        path, [&](const std::string&) { return std::vector<char>(text.begin(), text.end()); });
}

void write_datasets(const std::filesystem::path& path,
                    const std::map<std::string, std::vector<double>>& datasets,
                    const std::map<std::string, std::string>& attributes) {
    std::map<std::string, Array> arrays;
    for (const auto& [name, values] : datasets) {
        arrays[name] = Array{{values.size()}, values};
    }
    write_arrays(path, arrays, attributes);
}

void write_arrays(const std::filesystem::path& path, const std::map<std::string, Array>& arrays,
                  const std::map<std::string, std::string>& attributes) {
    write_atomically(path, [&](const std::string& temporary) {
        Handle file(create_in_memory(temporary), H5Fclose, "create " + temporary);
        for (const auto& [name, value] : attributes) {
            write_string_attribute(file, name.c_str(), value);
        }
        Handle links(H5Pcreate(H5P_LINK_CREATE), H5Pclose, "make a property list");
        check(H5Pset_create_intermediate_group(links, 1), "make a property list");
        for (const auto& [name, array] : arrays) {
            const auto& values = array.values;
            std::uint64_t count = 1;
            for (const auto d : array.shape) {
                count *= d;
            }
            check_size(values, count, name);
            const std::vector<hsize_t> dims(array.shape.begin(), array.shape.end());
            Handle space(H5Screate_simple(int(dims.size()), dims.data(), nullptr), H5Sclose,
                         "make a space");
            Handle dataset(H5Dcreate2(file, name.c_str(), H5T_IEEE_F64LE, space, links, H5P_DEFAULT,
                                      H5P_DEFAULT),
                           H5Dclose, "create " + name);
            check(
                H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                "write " + name);
        }
        return file_image(file);
    });
}

namespace {

/// Opens a checked file image read-only, through the core driver (which copies the image).
/// Not H5LTopen_file_image: with DONT_COPY | DONT_RELEASE, HDF5 1.10 leaks its 72-byte callback
/// state on every open (LeakSanitizer finds it).
hid_t open_image(const std::vector<char>& bytes) {
    Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "make a property list");
    check(H5Pset_fapl_core(access, 1 << 20, 0), "make a property list");
    check(H5Pset_file_image(access, const_cast<char*>(bytes.data()), bytes.size()),
          "hand HDF5 the file's bytes");
    return H5Fopen("custsim-image", H5F_ACC_RDONLY, access);
}

Results read_checked(const std::filesystem::path& path) {
    std::vector<char> bytes = read_verified(path);
    Handle file(open_image(bytes), H5Fclose, "open it (not an HDF5 file?)");
    Results results;
    results.custsim_version = read_string_attribute(file, "custsim_version");
    results.scenario_yaml = read_string_attribute(file, "scenario_yaml");
    results.seed = read_number_attribute(file, "seed");
    const std::uint64_t replicates = read_number_attribute(file, "replicates");
    if (replicates < 1 || replicates > std::numeric_limits<std::uint32_t>::max()) {
        refuse("attribute replicates: must be from 1 to 4294967295, got " +
               std::to_string(replicates));
    }
    results.replicates = static_cast<std::uint32_t>(replicates);
    results.population = read_number_attribute(file, "population");
    results.represents = read_represents(file);
    std::vector<hsize_t> time_shape;
    {
        Handle time(H5Dopen2(file, "/time", H5P_DEFAULT), H5Dclose, "open /time");
        time_shape = numeric_shape(time, "/time");
    }
    if (time_shape.size() != 1 || time_shape[0] < 1) {
        refuse("/time: must list at least one recorded day, has shape " + shape_text(time_shape));
    }
    results.time = read_array(file, "/time", time_shape, "/time", "points");
    for (std::size_t p = 0; p < results.time.size(); ++p) {
        if (!std::isfinite(results.time[p]) || (p > 0 && results.time[p] <= results.time[p - 1])) {
            refuse("/time: must be finite, increasing days");
        }
    }
    const hsize_t R = results.replicates, T = results.time.size();
    for (const char* group_name : {"timeseries", "final"}) {
        const std::string where = std::string("/") + group_name;
        Handle group(H5Gopen2(file, group_name, H5P_DEFAULT), H5Gclose, "open " + where);
        const bool final = where == "/final";
        auto& target = final ? results.final : results.timeseries;
        for (const auto& name : members(group, where)) {
            target[name] =
                final ? read_array(group, name, {R}, where + "/" + name, "replicates")
                      : read_array(group, name, {R, T}, where + "/" + name, "replicates, points");
        }
    }
    for (const char* group_name : {"channels", "brands", "markets"}) {
        if (H5Lexists(file, group_name, H5P_DEFAULT) <= 0) {
            continue;
        }
        const std::string which = group_name, where = "/" + which;
        Handle group(H5Gopen2(file, group_name, H5P_DEFAULT), H5Gclose, "open " + where);
        auto& names = which == "channels" ? results.channel_names
                      : which == "brands" ? results.brand_names
                                          : results.market_names;
        auto& target = which == "channels" ? results.channels
                       : which == "brands" ? results.brands
                                           : results.markets;
        names = read_names_attribute(group, "names");
        const hsize_t items = names.size();
        for (const auto& name : members(group, where)) {
            target[name] = read_array(group, name, {R, T, items}, where + "/" + name,
                                      "replicates, points, " + which);
        }
    }
    return results;
}

} // namespace

Results read_results(const std::filesystem::path& path) {
    quiet_hdf5();
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
        throw InputError(path.string() + ": no such results file");
    }
    if (!std::filesystem::is_regular_file(path, error)) {
        throw InputError(path.string() + ": not a file");
    }
    try {
        return read_checked(path);
    } catch (const std::runtime_error& e) {
        throw InputError(path.string() + ": not a custsim results file, or damaged: " + e.what());
    }
}

std::map<std::string, Array> read_arrays(const std::filesystem::path& path) {
    quiet_hdf5();
    try {
        std::vector<char> bytes = read_verified(path);
        Handle file(open_image(bytes), H5Fclose, "open it (not an HDF5 file?)");
        std::map<std::string, Array> arrays;
        const auto read = [&](hid_t location, const std::string& name, const std::string& where) {
            std::vector<hsize_t> dims;
            {
                Handle dataset(H5Dopen2(location, name.c_str(), H5P_DEFAULT), H5Dclose,
                               "open " + where);
                dims = numeric_shape(dataset, where);
            }
            arrays[where] = {{dims.begin(), dims.end()},
                             read_array(location, name, dims, where, "as read")};
        };
        for (const auto& name : members(file, "/")) {
            H5O_info_t info;
            check(H5Oget_info_by_name(file, name.c_str(), &info, H5P_DEFAULT), "read /" + name);
            if (info.type == H5O_TYPE_DATASET) {
                read(file, name, "/" + name);
            } else if (info.type == H5O_TYPE_GROUP) {
                Handle group(H5Gopen2(file, name.c_str(), H5P_DEFAULT), H5Gclose, "open /" + name);
                for (const auto& member : members(group, "/" + name)) {
                    read(group, member, "/" + name + "/" + member);
                }
            }
        }
        return arrays;
    } catch (const std::runtime_error& e) {
        throw InputError(path.string() + ": " + e.what());
    }
}

std::string read_text_attribute(const std::filesystem::path& path, const std::string& name) {
    quiet_hdf5();
    try {
        std::vector<char> bytes = read_verified(path);
        Handle file(open_image(bytes), H5Fclose, "open it (not an HDF5 file?)");
        if (H5Aexists(file, name.c_str()) <= 0) {
            return {};
        }
        return read_string_attribute(file, name.c_str());
    } catch (const std::runtime_error& e) {
        throw InputError(path.string() + ": " + e.what());
    }
}

std::map<std::string, Array> read_arrays(const std::filesystem::path& path,
                                         const std::vector<std::string>& names) {
    quiet_hdf5();
    try {
        std::vector<char> bytes = read_verified(path);
        Handle file(open_image(bytes), H5Fclose, "open it (not an HDF5 file?)");
        std::map<std::string, Array> out;
        for (const std::string& name : names) {
            if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) {
                refuse(name + ": missing");
            }
            std::vector<hsize_t> dims;
            {
                Handle dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "open " + name);
                dims = numeric_shape(dataset, name);
            }
            out[name] = Array{{dims.begin(), dims.end()}, read_array(file, name, dims, name, "")};
        }
        return out;
    } catch (const std::runtime_error& e) {
        throw InputError(path.string() + ": " + e.what());
    }
}

std::uint64_t checksum(const Results& r) {
    std::uint64_t hash = 1469598103934665603ull;
    add(hash, r.custsim_version);
    add(hash, r.scenario_yaml);
    for (const std::uint64_t number : {r.seed, std::uint64_t(r.replicates), r.population}) {
        add(hash, &number, sizeof number);
    }
    add(hash, r.time);
    add(hash, r.timeseries);
    add(hash, r.final);
    add(hash, r.channel_names);
    add(hash, r.brand_names);
    add(hash, r.market_names);
    add(hash, r.channels);
    add(hash, r.brands);
    add(hash, r.markets);
    return hash;
}

void check_finite(const Results& results, std::uint32_t replicate) {
    const std::size_t T = results.points();
    for (std::size_t point = 0; point < T; ++point) {
        char day[32];
        std::snprintf(day, sizeof day, "on day %g", results.time[point]);
        for (const auto& [kpi, values] : results.timeseries) {
            const double value = values.at(replicate * T + point);
            if (!std::isfinite(value)) {
                not_finite(results, kpi, value, replicate, day);
            }
        }
        for (const auto& [group, cubes, names] :
             {std::tuple{"channels", &results.channels, &results.channel_names},
              std::tuple{"brands", &results.brands, &results.brand_names},
              std::tuple{"markets", &results.markets, &results.market_names}}) {
            const std::size_t items = names->size();
            for (const auto& [kpi, values] : *cubes) {
                for (std::size_t i = 0; i < items; ++i) {
                    const double value = values.at((replicate * T + point) * items + i);
                    if (!std::isfinite(value)) {
                        not_finite(results, std::string(group) + "/" + kpi + " of " + (*names)[i],
                                   value, replicate, day);
                    }
                }
            }
        }
    }
    for (const auto& [kpi, values] : results.final) {
        const double value = values.at(replicate);
        if (!std::isfinite(value)) {
            not_finite(results, kpi, value, replicate, "at the end");
        }
    }
}

} // namespace custsim
