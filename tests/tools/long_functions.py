#!/usr/bin/python3
"""Fails when a C++ function body in core/, viz/ or python/src/ is longer than 80 lines.

Issue 11's rule: a function reads as one thing or is split, except declarative tables (a
function that only lists every key, field or option once), which are named below with why.

The scanner matches braces with comments, string and character literals (raw strings too)
and preprocessor lines skipped. A brace opened at file, namespace or class scope after a
parenthesised header is a function body; everything nested inside it (lambdas, local
classes) counts towards that function. The length is the number of lines strictly between
the body's opening and closing brace.

    /usr/bin/python3 tests/tools/long_functions.py [--all] [--limit N] [ROOT]

--all prints every function over the limit, allowed or not, for before/after comparisons.
"""
import argparse
import pathlib
import re
import sys

LIMIT = 80
SCANNED_DIRS = ("core", "viz", "python/src")
SUFFIXES = {".cpp", ".hpp", ".h", ".cc"}

# (path, function) -> why it may be long. Only declarative tables belong here.
ALLOWED = {
    ("core/src/scenario.cpp", "describe"): "visits every scenario key once, in file order",
}

# Files not scanned at all, each with why and until when.
SKIPPED_FILES = {
}


def strip_code(text):
    """The text with comments, literals and preprocessor lines blanked; newlines kept."""
    out = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c in " \t":
            out.append(c)
            i += 1
            continue
        if line_start and c == "#":
            i = skip_preprocessor_line(text, i, out)
            continue
        line_start = c == "\n"
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(blank(text[i:end]))
            i = end
            continue
        raw = re.match(r'(?:u8|u|U|L)?R"([^()\\ ]{0,16})\(', text[i:i + 24])
        if raw and not is_identifier_tail(text, i):
            close = text.find(")" + raw.group(1) + '"', i + raw.end())
            end = n if close < 0 else close + len(raw.group(1)) + 2
            out.append(blank(text[i:end]))
            i = end
            continue
        if c == '"' or (c == "'" and not is_digit_separator(text, i)):
            end = skip_quoted(text, i, c)
            out.append(blank(text[i:end]))
            i = end
            continue
        out.append(c)
        i += 1
    return "".join(out)


def skip_preprocessor_line(text, i, out):
    """Index after a preprocessor directive, following backslash continuations."""
    n = len(text)
    while i < n:
        if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
            out.append("\n")
            i += 2
            continue
        if text[i] == "\n":
            return i
        i += 1
    return i


def skip_quoted(text, i, quote):
    """Index after the string or character literal that starts at i."""
    j = i + 1
    while j < len(text) and text[j] != quote and text[j] != "\n":
        j += 2 if text[j] == "\\" else 1
    return j + 1


def is_identifier_tail(text, i):
    return i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")


def is_digit_separator(text, i):
    """True for the ' in 1'000'000 (a number's token starts with a digit)."""
    j = i
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] in "_'."):
        j -= 1
    return j < i and text[j].isdigit()


def blank(s):
    return "".join("\n" if ch == "\n" else " " for ch in s)


def classify(header):
    """'namespace', 'class', 'function' or 'other' for the text before an opening brace."""
    h = " ".join(header.split())
    if re.match(r"^(inline\s+)?namespace\b", h) or re.match(r'^extern\s*$', h):
        return "namespace"
    if re.match(r"^(template\s*<.*>\s*)?(class|struct|union|enum)\b", h) and "(" not in h.split(
            ":")[0]:
        return "class"
    if "(" in h:
        return "function"
    return "other"


def function_name(header):
    """The declared name: the identifier before the parameter list (or before `=`)."""
    h = " ".join(header.split())
    if "=" in h.split("(")[0]:
        h = h.split("=")[0]
    else:
        h = h.split("(")[0]
    names = re.findall(r"(?:operator\s*\S+|~?[A-Za-z_]\w*(?:\s*::\s*~?[A-Za-z_]\w*)*)", h)
    return names[-1].replace(" ", "") if names else "?"


def long_functions(path, limit):
    """(name, first body line, length) of every function in path longer than limit."""
    code = strip_code(path.read_text(encoding="utf-8", errors="replace"))
    scopes = []  # (kind, open index, function name)
    header_start = 0
    found = []
    for i, c in enumerate(code):
        if c == "{":
            inside_function = any(kind in ("function", "other") for kind, _, _ in scopes)
            if inside_function:
                scopes.append(("nested", i, None))
            else:
                header = code[header_start:i]
                kind = classify(header)
                scopes.append((kind, i, function_name(header) if kind == "function" else None))
            header_start = i + 1
        elif c == "}":
            if not scopes:
                continue
            kind, opened, name = scopes.pop()
            if kind == "function":
                first = code.count("\n", 0, opened) + 1
                last = code.count("\n", 0, i) + 1
                length = last - first - 1
                if length > limit:
                    found.append((name, first, length))
            header_start = i + 1
        elif c == ";":
            header_start = i + 1
        elif c == ":" and not inside_any(scopes) and code[header_start:i].strip() in (
                "public", "private", "protected"):
            header_start = i + 1
    return found


def inside_any(scopes):
    return any(kind in ("function", "other", "nested") for kind, _, _ in scopes)


def sources(root):
    for folder in SCANNED_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file():
                yield path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=pathlib.Path(__file__).resolve().parents[2],
                        type=pathlib.Path)
    parser.add_argument("--limit", type=int, default=LIMIT)
    parser.add_argument("--all", action="store_true", help="list allowed ones too")
    args = parser.parse_args()

    failures = 0
    for path in sources(args.root):
        rel = path.relative_to(args.root).as_posix()
        if rel in SKIPPED_FILES:
            print(f"skipped {rel}: {SKIPPED_FILES[rel]}")
            continue
        for name, line, length in long_functions(path, args.limit):
            reason = ALLOWED.get((rel, name))
            if reason is None:
                failures += 1
                print(f"{rel}:{line}: {name} is {length} lines (limit {args.limit})")
            elif args.all:
                print(f"{rel}:{line}: {name} is {length} lines, allowed: {reason}")
    if failures:
        print(f"{failures} function(s) longer than {args.limit} lines: split them, or if one "
              "is a declarative table, add it to ALLOWED in tests/tools/long_functions.py "
              "with why")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
