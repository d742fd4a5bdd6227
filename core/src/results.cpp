#include "custsim/results.hpp"

#include "custsim/error.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>

namespace custsim {

namespace {

void check(herr_t status, const std::string& what) {
    if (status < 0) {
        throw std::runtime_error("HDF5: cannot " + what);
    }
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
    const std::string what = std::string("read attribute ") + name;
    Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, what);
    Handle space(H5Aget_space(attribute), H5Sclose, what);
    const auto count = H5Sget_simple_extent_npoints(space);
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose, what);
    check(H5Tset_size(type, H5T_VARIABLE), what);
    check(H5Tset_cset(type, H5T_CSET_UTF8), what);
    std::vector<char*> texts(static_cast<std::size_t>(std::max<hssize_t>(count, 0)), nullptr);
    check(H5Aread(attribute, type, texts.data()), what);
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

void write_file(const Results& results, const std::string& path) {
    Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                "create " + path);
    write_string_attribute(file, "custsim_version", results.custsim_version);
    write_string_attribute(file, "scenario_yaml", results.scenario_yaml);
    const unsigned long seed = results.seed, population = results.population,
                        replicates = results.replicates;
    check(H5LTset_attribute_ulong(file, "/", "seed", &seed, 1), "write seed");
    check(H5LTset_attribute_ulong(file, "/", "replicates", &replicates, 1), "write replicates");
    check(H5LTset_attribute_ulong(file, "/", "population", &population, 1), "write population");
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
    check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush " + path);
}

std::vector<std::string> members(hid_t group) {
    H5G_info_t info;
    check(H5Gget_info(group, &info), "list a group");
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        const auto size =
            H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
        std::string name(static_cast<std::size_t>(size), '\0');
        H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), size + 1,
                           H5P_DEFAULT);
        names.push_back(name);
    }
    return names;
}

std::vector<double> read_doubles(hid_t location, const std::string& name) {
    int rank = 0;
    check(H5LTget_dataset_ndims(location, name.c_str(), &rank), "read " + name);
    std::vector<hsize_t> dims(rank);
    check(H5LTget_dataset_info(location, name.c_str(), dims.data(), nullptr, nullptr),
          "read " + name);
    hsize_t count = 1;
    for (auto d : dims) {
        count *= d;
    }
    std::vector<double> values(count);
    check(H5LTread_dataset_double(location, name.c_str(), values.data()), "read " + name);
    return values;
}

std::string read_string_attribute(hid_t file, const char* name) {
    const std::string what = std::string("read attribute ") + name;
    Handle attribute(H5Aopen(file, name, H5P_DEFAULT), H5Aclose, what);
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose, what);
    check(H5Tset_size(type, H5T_VARIABLE), what);
    check(H5Tset_cset(type, H5T_CSET_UTF8), what);
    char* text = nullptr;
    check(H5Aread(attribute, type, &text), what);
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
}

unsigned long read_number_attribute(hid_t file, const char* name) {
    unsigned long value = 0;
    check(H5LTget_attribute_ulong(file, "/", name, &value), std::string("read attribute ") + name);
    return value;
}

/// Runs write(temporary path), makes the file durable, then renames it over `path`; on any
/// failure removes the temporary and leaves `path` as it was.
template <class Write> void write_atomically(const std::filesystem::path& path, Write&& write) {
    quiet_hdf5();
    const auto temporary =
        std::filesystem::path(path.string() + ".tmp." + std::to_string(::getpid()));
    try {
        write(temporary.string());
        // Durable before it is visible under the real name.
        const int fd = ::open(temporary.c_str(), O_RDONLY);
        if (fd >= 0) {
            ::fsync(fd);
            ::close(fd);
        }
        std::filesystem::rename(temporary, path);
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        throw;
    }
}

} // namespace

void write_results(const Results& results, const std::filesystem::path& path) {
    write_atomically(path, [&](const std::string& temporary) { write_file(results, temporary); });
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
        Handle file(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                    "create " + temporary);
        for (const auto& [name, value] : attributes) {
            write_string_attribute(file, name.c_str(), value);
        }
        Handle links(H5Pcreate(H5P_LINK_CREATE), H5Pclose, "make a property list");
        check(H5Pset_create_intermediate_group(links, 1), "make a property list");
        for (const auto& [name, array] : arrays) {
            const auto& values = array.values;
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
        check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush " + temporary);
    });
}

Results read_results(const std::filesystem::path& path) {
    quiet_hdf5();
    if (!std::filesystem::exists(path)) {
        throw InputError(path.string() + ": no such results file");
    }
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                "open " + path.string() + " (not an HDF5 file?)");
    Results results;
    results.custsim_version = read_string_attribute(file, "custsim_version");
    results.scenario_yaml = read_string_attribute(file, "scenario_yaml");
    results.seed = read_number_attribute(file, "seed");
    results.replicates = static_cast<std::uint32_t>(read_number_attribute(file, "replicates"));
    results.population = read_number_attribute(file, "population");
    results.time = read_doubles(file, "/time");
    for (const char* group_name : {"timeseries", "final"}) {
        Handle group(H5Gopen2(file, group_name, H5P_DEFAULT), H5Gclose,
                     std::string("open /") + group_name);
        auto& target = std::string(group_name) == "final" ? results.final : results.timeseries;
        for (const auto& name : members(group)) {
            target[name] = read_doubles(group, name);
        }
    }
    for (const char* group_name : {"channels", "brands", "markets"}) {
        if (H5Lexists(file, group_name, H5P_DEFAULT) <= 0) {
            continue;
        }
        Handle group(H5Gopen2(file, group_name, H5P_DEFAULT), H5Gclose,
                     std::string("open /") + group_name);
        const std::string which = group_name;
        auto& names = which == "channels" ? results.channel_names
                      : which == "brands" ? results.brand_names
                                          : results.market_names;
        auto& target = which == "channels" ? results.channels
                       : which == "brands" ? results.brands
                                           : results.markets;
        names = read_names_attribute(group, "names");
        for (const auto& name : members(group)) {
            target[name] = read_doubles(group, name);
        }
    }
    return results;
}

} // namespace custsim
