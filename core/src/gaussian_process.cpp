// Gaussian-process regression (gaussian_process.hpp): the Cholesky factor of the observations'
// covariance, the mean's coefficients by generalised least squares, predictions, and the
// hyperparameters by the restricted marginal likelihood.
#include "gaussian_process.hpp"

#include <nlopt.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace custsim {

namespace {

constexpr double root5 = 2.23606797749979;
constexpr double log_two_pi = 1.8378770664093453;
// On the diagonal, times the signal's variance: bounds the covariance's condition number by
// about n x 1e8, so that the variance's difference signal - |L^-1 k|^2 keeps its digits.
constexpr double relative_jitter = 1e-8;

/// The Matern 5/2 correlation at scaled distance r: (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r).
double matern52(double r) {
    const double s = root5 * r;
    return (1 + s + s * s / 3) * std::exp(-s);
}

} // namespace

std::size_t gp_basis_size(GpMean mean, std::size_t dimensions) {
    return mean == GpMean::constant ? 1 : 1 + dimensions + dimensions * (dimensions + 1) / 2;
}

GaussianProcess::GaussianProcess(const std::vector<std::vector<double>>& points,
                                 const std::vector<double>& values,
                                 GpHyperparameters hyperparameters, GpMean mean)
    : hyperparameters_(std::move(hyperparameters)), mean_kind_(mean) {
    const auto n = Eigen::Index(points.size());
    const auto D = Eigen::Index(hyperparameters_.length_scales.size());
    const auto p = Eigen::Index(gp_basis_size(mean, std::size_t(D)));
    if (n == 0 || values.size() != points.size() || n < p) {
        throw std::invalid_argument("a Gaussian process needs at least as many points as its "
                                    "mean has coefficients, and one value per point");
    }
    points_.resize(n, D);
    values_.resize(n);
    basis_.resize(n, p);
    for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index d = 0; d < D; ++d) {
            points_(i, d) = points[i].at(std::size_t(d));
        }
        values_(i) = values[i];
        basis_.row(i) = basis(points_.row(i).data()).transpose();
    }
    for (const double l : hyperparameters_.length_scales) {
        inverse_lengths_.push_back(1 / l);
    }
    const double signal = hyperparameters_.signal_sd * hyperparameters_.signal_sd;
    Eigen::MatrixXd K(n, n);
    for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = 0; j <= i; ++j) {
            K(i, j) = K(j, i) = kernel(points_.row(i).data(), points_.row(j).data());
        }
        K(i, i) += hyperparameters_.noise_sd * hyperparameters_.noise_sd + relative_jitter * signal;
    }
    k_.compute(K);
    if (k_.info() != Eigen::Success) {
        throw std::runtime_error("a Gaussian process's covariance is not positive definite");
    }
    g_ = k_.matrixL().solve(basis_);
    const Eigen::VectorXd z = k_.matrixL().solve(values_);
    a_.compute(g_.transpose() * g_);
    if (a_.info() != Eigen::Success) {
        throw std::runtime_error("a Gaussian process's mean is not determined by its points");
    }
    beta_ = a_.solve(g_.transpose() * z);
    const Eigen::VectorXd e = z - g_ * beta_;
    alpha_ = k_.matrixU().solve(e);
    const double log_det_k = 2 * k_.matrixLLT().diagonal().array().log().sum();
    const double log_det_a = 2 * a_.matrixLLT().diagonal().array().log().sum();
    log_marginal_likelihood_ = -0.5 * e.squaredNorm() - 0.5 * log_det_k - 0.5 * log_det_a -
                               0.5 * double(n - p) * log_two_pi;
}

double GaussianProcess::kernel(const double* a, const double* b) const {
    double r2 = 0;
    for (std::size_t d = 0; d < inverse_lengths_.size(); ++d) {
        const double scaled = (a[d] - b[d]) * inverse_lengths_[d];
        r2 += scaled * scaled;
    }
    return hyperparameters_.signal_sd * hyperparameters_.signal_sd * matern52(std::sqrt(r2));
}

Eigen::VectorXd GaussianProcess::basis(const double* x) const {
    const std::size_t D = hyperparameters_.length_scales.size();
    Eigen::VectorXd h(Eigen::Index(gp_basis_size(mean_kind_, D)));
    h(0) = 1;
    if (mean_kind_ == GpMean::quadratic) {
        Eigen::Index k = 1;
        for (std::size_t d = 0; d < D; ++d) {
            h(k++) = x[d] - 0.5;
        }
        for (std::size_t d = 0; d < D; ++d) {
            for (std::size_t e = d; e < D; ++e) {
                h(k++) = (x[d] - 0.5) * (x[e] - 0.5);
            }
        }
    }
    return h;
}

double GaussianProcess::mean(const double* x) const {
    double out = basis(x).dot(beta_);
    for (Eigen::Index i = 0; i < points_.rows(); ++i) {
        out += kernel(x, points_.row(i).data()) * alpha_(i);
    }
    return out;
}

double GaussianProcess::variance(const std::vector<double>& x) const {
    const Eigen::Index n = points_.rows();
    Eigen::VectorXd k(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        k(i) = kernel(x.data(), points_.row(i).data());
    }
    const Eigen::VectorXd w = k_.matrixL().solve(k);
    const Eigen::VectorXd u = basis(x.data()) - g_.transpose() * w;
    const double signal = hyperparameters_.signal_sd * hyperparameters_.signal_sd;
    return std::max(0.0, signal - w.squaredNorm() + u.dot(a_.solve(u)));
}

Eigen::MatrixXd GaussianProcess::covariance(const std::vector<std::vector<double>>& xs) const {
    const Eigen::Index n = points_.rows(), m = Eigen::Index(xs.size());
    Eigen::MatrixXd k(n, m), prior(m, m), h(basis_.cols(), m);
    for (Eigen::Index c = 0; c < m; ++c) {
        for (Eigen::Index i = 0; i < n; ++i) {
            k(i, c) = kernel(xs[c].data(), points_.row(i).data());
        }
        for (Eigen::Index e = 0; e <= c; ++e) {
            prior(c, e) = prior(e, c) = kernel(xs[c].data(), xs[e].data());
        }
        h.col(c) = basis(xs[c].data());
    }
    const Eigen::MatrixXd w = k_.matrixL().solve(k);
    const Eigen::MatrixXd u = h - g_.transpose() * w;
    return prior - w.transpose() * w + u.transpose() * a_.solve(u);
}

std::vector<double> GaussianProcess::log_marginal_likelihood_gradient() const {
    const Eigen::Index n = points_.rows();
    const std::size_t D = inverse_lengths_.size();
    const Eigen::MatrixXd k_inverse = k_.solve(Eigen::MatrixXd::Identity(n, n));
    const Eigen::MatrixXd m = k_.matrixU().solve(g_); // K^-1 H
    // W = alpha alpha' - P, P = K^-1 - K^-1 H (H' K^-1 H)^-1 H' K^-1 (the restricted likelihood's)
    const Eigen::MatrixXd w = alpha_ * alpha_.transpose() - k_inverse + m * a_.solve(m.transpose());
    const double signal = hyperparameters_.signal_sd * hyperparameters_.signal_sd;
    std::vector<double> gradient(D + 2, 0.0);
    for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = 0; j < i; ++j) { // off-diagonal pairs count twice
            double r2 = 0;
            for (std::size_t d = 0; d < D; ++d) {
                const double scaled = (points_(i, d) - points_(j, d)) * inverse_lengths_[d];
                r2 += scaled * scaled;
            }
            const double s = root5 * std::sqrt(r2);
            const double decay = std::exp(-s);
            const double common = w(i, j) * signal * (1 + s) * decay * 5.0 / 3.0;
            for (std::size_t d = 0; d < D; ++d) {
                const double scaled = (points_(i, d) - points_(j, d)) * inverse_lengths_[d];
                gradient[d] += common * scaled * scaled; // dK / d log l_d
            }
            gradient[D] += w(i, j) * 2 * signal * (1 + s + s * s / 3) * decay;
        }
    }
    for (double& g : gradient) {
        g *= 2; // the pairs (j, i)
    }
    const double noise = hyperparameters_.noise_sd * hyperparameters_.noise_sd;
    for (Eigen::Index i = 0; i < n; ++i) {
        gradient[D] += w(i, i) * 2 * signal;
        gradient[D + 1] += w(i, i) * 2 * noise;
    }
    for (double& g : gradient) {
        g *= 0.5;
    }
    return gradient;
}

namespace {

struct FitContext {
    const std::vector<std::vector<double>>* points;
    const std::vector<double>* values;
    GpMean mean;
    std::size_t dimensions;
    double best = -std::numeric_limits<double>::infinity();
    std::vector<double> best_theta;
};

GpHyperparameters from_log(const double* theta, std::size_t D) {
    GpHyperparameters h;
    for (std::size_t d = 0; d < D; ++d) {
        h.length_scales.push_back(std::exp(theta[d]));
    }
    h.signal_sd = std::exp(theta[D]);
    h.noise_sd = std::exp(theta[D + 1]);
    return h;
}

double restricted_likelihood(unsigned size, const double* theta, double* gradient, void* data) {
    auto& c = *static_cast<FitContext*>(data);
    try {
        const GaussianProcess gp(*c.points, *c.values, from_log(theta, c.dimensions), c.mean);
        const double value = gp.log_marginal_likelihood();
        if (gradient) {
            const auto g = gp.log_marginal_likelihood_gradient();
            std::copy(g.begin(), g.end(), gradient);
        }
        if (std::isfinite(value) && value > c.best) {
            c.best = value;
            c.best_theta.assign(theta, theta + size);
        }
        return std::isfinite(value) ? value : -1e300;
    } catch (const std::runtime_error&) { // not positive definite at an extreme: steer away
        if (gradient) {
            std::fill(gradient, gradient + size, 0.0);
        }
        return -1e300;
    }
}

} // namespace

GaussianProcess fit_gaussian_process(const std::vector<std::vector<double>>& points,
                                     const std::vector<double>& values, GpMean mean,
                                     const std::vector<GpHyperparameters>& starts,
                                     double noise_floor, const std::vector<double>& length_floor) {
    const std::size_t D = points.at(0).size();
    double average = 0, squares = 0;
    for (const double v : values) {
        average += v / double(values.size());
    }
    for (const double v : values) {
        squares += (v - average) * (v - average) / double(values.size());
    }
    const double spread = squares > 0 ? std::sqrt(squares) : 1.0;
    std::vector<double> low(D + 2), high(D + 2);
    for (std::size_t d = 0; d < D; ++d) {
        low[d] = std::log(d < length_floor.size() ? std::max(0.01, length_floor[d]) : 0.01);
        high[d] = std::log(20.0);
    }
    low[D] = std::log(1e-3 * spread);
    high[D] = std::log(1e3 * spread);
    low[D + 1] = std::log(std::max(noise_floor, 1e-6 * spread));
    high[D + 1] = std::max(low[D + 1], std::log(spread));
    std::vector<GpHyperparameters> from = starts;
    if (from.empty()) {
        from.push_back({std::vector<double>(D, 0.3), spread, 0.01 * spread});
    }
    FitContext context{&points, &values, mean, D, -std::numeric_limits<double>::infinity(), {}};
    for (const GpHyperparameters& start : from) {
        std::vector<double> theta(D + 2);
        for (std::size_t d = 0; d < D; ++d) {
            theta[d] = std::log(start.length_scales.at(d));
        }
        theta[D] = std::log(start.signal_sd);
        theta[D + 1] = std::log(start.noise_sd);
        for (std::size_t i = 0; i < theta.size(); ++i) {
            theta[i] = std::clamp(theta[i], low[i], high[i]);
        }
        nlopt::opt opt(nlopt::LD_LBFGS, unsigned(D + 2));
        opt.set_lower_bounds(low);
        opt.set_upper_bounds(high);
        opt.set_max_objective(restricted_likelihood, &context);
        opt.set_maxeval(200);
        opt.set_xtol_rel(1e-5);
        double value = 0;
        try {
            opt.optimize(theta, value);
        } catch (const std::exception&) {
            // NLopt's roundoff or failure: the best point seen stands
        }
    }
    if (context.best_theta.empty()) {
        throw std::runtime_error("no hyperparameters give the Gaussian process a positive "
                                 "definite covariance");
    }
    return GaussianProcess(points, values, from_log(context.best_theta.data(), D), mean);
}

} // namespace custsim
