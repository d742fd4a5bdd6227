#pragma once
// Gaussian-process regression of one scalar function on the unit cube, for the calibration's
// emulator of the log-likelihood (docs/calibration.md, "The emulator method"). Nothing in Debian
// packages a C++ Gaussian process, so this small part is written here on Eigen's Cholesky: a
// Matern 5/2 kernel with one length scale per input (ARD), a nugget (noise variance on every
// observation) and a constant or quadratic mean whose coefficients are estimated by generalised
// least squares (universal kriging: a flat prior on them, whose uncertainty enters the predictive
// variance). The hyperparameters maximise the restricted log marginal likelihood (NLopt's L-BFGS
// with the analytic gradient). Everything is serial and deterministic.
#define EIGEN_DONT_PARALLELIZE // the same sums in the same order on any thread count
#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace custsim {

/// A Gaussian process's covariance: Matern 5/2 with one length scale per input, the signal's
/// standard deviation and the standard deviation of each observation's noise (the nugget).
struct GpHyperparameters {
    std::vector<double> length_scales;
    double signal_sd = 1, noise_sd = 1e-3;
};

/// The mean function: a constant, or a full quadratic in the inputs (1, x_d, x_d x_e).
enum class GpMean { constant, quadratic };

/// A Gaussian process conditioned on observations (points in the unit cube, values).
class GaussianProcess {
  public:
    GaussianProcess(const std::vector<std::vector<double>>& points,
                    const std::vector<double>& values, GpHyperparameters hyperparameters,
                    GpMean mean);

    /// The latent function's predictive mean at x.
    double mean(const double* x) const;
    double mean(const std::vector<double>& x) const { return mean(x.data()); }
    /// The latent function's predictive variance at x (without the noise), the mean's
    /// coefficients' uncertainty included.
    double variance(const std::vector<double>& x) const;
    /// The latent function's predictive covariance among `xs` (as variance() on the diagonal).
    Eigen::MatrixXd covariance(const std::vector<std::vector<double>>& xs) const;
    /// The restricted (REML) log marginal likelihood of the observations.
    double log_marginal_likelihood() const { return log_marginal_likelihood_; }
    /// Its gradient with respect to (log length scales..., log signal sd, log noise sd).
    std::vector<double> log_marginal_likelihood_gradient() const;

    const GpHyperparameters& hyperparameters() const { return hyperparameters_; }
    GpMean mean_kind() const { return mean_kind_; }
    const Eigen::VectorXd& mean_coefficients() const { return beta_; }
    std::size_t size() const { return std::size_t(points_.rows()); }

  private:
    double kernel(const double* a, const double* b) const;
    Eigen::VectorXd basis(const double* x) const;

    using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    RowMatrix points_;
    Eigen::VectorXd values_;
    GpHyperparameters hyperparameters_;
    GpMean mean_kind_;
    std::vector<double> inverse_lengths_;
    Eigen::MatrixXd basis_;         ///< H: each point's basis functions, n x p
    Eigen::LLT<Eigen::MatrixXd> k_; ///< the covariance of the observations, noise included
    Eigen::MatrixXd g_;             ///< L^-1 H
    Eigen::LLT<Eigen::MatrixXd> a_; ///< H' K^-1 H
    Eigen::VectorXd beta_, alpha_;  ///< the mean's coefficients; K^-1 (y - H beta)
    double log_marginal_likelihood_ = 0;
};

/// The number of the mean's basis functions for `dimensions` inputs.
std::size_t gp_basis_size(GpMean mean, std::size_t dimensions);

/// Fits the hyperparameters to the observations by maximising the restricted log marginal
/// likelihood from each of `starts` (L-BFGS in log space, within bounds scaled to the values'
/// spread, the noise's sd at least `noise_floor`, each length scale at least 0.01 and its
/// `length_floor`); the conditioned process at the best. `starts` empty: one default start.
GaussianProcess fit_gaussian_process(const std::vector<std::vector<double>>& points,
                                     const std::vector<double>& values, GpMean mean,
                                     const std::vector<GpHyperparameters>& starts,
                                     double noise_floor = 0,
                                     const std::vector<double>& length_floor = {});

} // namespace custsim
