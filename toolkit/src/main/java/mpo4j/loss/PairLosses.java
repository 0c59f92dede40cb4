package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The per-pair formulas of {@code spec/losses.md}, one case per loss type, on {@code [B]} arrays.
 * Every log σ goes through softplus ({@code log σ(x) = −softplus(−x)}), which PyTorch evaluates
 * without overflow for any float.
 */
final class PairLosses {
    /** Exponent cap shared by the alpha divergence (spec) and our overflow guards. */
    static final double EXP_CAP = 80;

    private PairLosses() {}

    /** What the formulas read, for one batch. {@code lenC}/{@code lenR} are max(L, 1). */
    record Terms(double beta, double eps, double tau, double delta,
                 NDArray piC, NDArray piR, NDArray refC, NDArray refR,
                 NDArray ellC, NDArray ellR, NDArray sC, NDArray sR,
                 NDArray lenC, NDArray lenR, NDArray nll) {
        NDArray z() {
            NDArray d = sC.sub(sR);
            return d.mul(Nd.constant(d, beta));
        }
    }

    static NDArray perPair(LossType type, Terms t) {
        double beta = t.beta();
        double eps = t.eps();
        switch (type) {
            case SIGMOID:
                return smoothedSigmoid(t.z(), eps);
            case HINGE:
                NDArray m = t.z().neg().add(1);
                return m.maximum(Nd.constant(m, 0));
            case IPO:
                return t.sC().div(t.lenC()).sub(t.sR().div(t.lenR())).sub(1 / (2 * beta)).square();
            case SIGMOID_NORM:
                return logSigmoid(times(t.sC().div(t.lenC()).sub(t.sR().div(t.lenR())), beta)).neg();
            case EXO_PAIR: {
                NDArray z = t.z();
                NDArray pos = sigmoid(z).mul(logSigmoid(z).sub(Math.log(1 - eps)));
                NDArray neg = sigmoid(z.neg()).mul(logSigmoid(z.neg()).sub(Math.log(eps)));
                return pos.add(neg);
            }
            case NCA_PAIR: {
                NDArray c = times(t.sC(), beta);
                NDArray r = times(t.sR(), beta);
                return logSigmoid(c).neg().sub(times(logSigmoid(c.neg()), 0.5)).sub(times(logSigmoid(r.neg()), 0.5));
            }
            case ROBUST: {
                NDArray z = t.z();
                return over(times(logSigmoid(z), -(1 - eps)).add(times(logSigmoid(z.neg()), eps)), 1 - 2 * eps);
            }
            case BCO_PAIR: {
                NDArray c = times(t.sC(), beta).sub(t.delta());
                NDArray r = times(t.sR(), beta).sub(t.delta());
                return logSigmoid(c).neg().sub(logSigmoid(r.neg()));
            }
            case SPPO_HARD:
                return t.sC().sub(1 / (2 * beta)).square().add(t.sR().add(1 / (2 * beta)).square());
            case AOT: {
                NDArray d = t.piC().sub(t.piR()).sort(0).sub(t.refC().sub(t.refR()).sort(0));
                return smoothedSigmoid(times(d, beta), eps);
            }
            case AOT_UNPAIRED: {
                NDArray d = t.ellC().sort(0).sub(t.ellR().sort(0));
                return smoothedSigmoid(times(d, beta), eps);
            }
            case APO_ZERO:
                return sigmoid(times(t.ellC(), beta)).neg().add(1).add(sigmoid(times(t.ellR(), beta)));
            case APO_DOWN:
                return sigmoid(times(t.ellC(), beta)).add(1).sub(sigmoid(t.z()));
            case DISCOPOP: {
                NDArray z = t.z();
                NDArray modulation = sigmoid(over(z, t.tau()));
                // exp(−z)·m evaluated as exp(−z + log m): finite where exp(−z) alone overflows (m → 0 there)
                NDArray expPart = cap(z.neg().add(logSigmoid(over(z, t.tau())))).exp();
                return logSigmoid(z).neg().mul(modulation.neg().add(1)).add(expPart);
            }
            case SFT:
                return t.piC().zerosLike().add(t.nll());
            default:
                throw new IllegalStateException("no formula for " + type);
        }
    }

    /** The score s(ℓ) of the f-divergence; exponents are capped at {@link #EXP_CAP}. */
    static NDArray score(FDivergence f, double alphaCoef, NDArray ell) {
        switch (f) {
            case REVERSE_KL:
                return ell;
            case FORWARD_KL:
                return cap(ell.neg()).exp().neg();
            case JS_DIVERGENCE:
                return logSigmoid(ell);
            case ALPHA_DIVERGENCE:
                if (Math.abs(alphaCoef - 1) < 1e-6) {
                    return ell;
                }
                return over(cap(times(ell, alphaCoef - 1)).exp(), alphaCoef - 1);
            default:
                throw new IllegalStateException("no score for " + f);
        }
    }

    /** Conservative DPO: {@code −(1−ε)·log σ(x) − ε·log σ(−x)}. */
    static NDArray smoothedSigmoid(NDArray x, double eps) {
        NDArray loss = times(logSigmoid(x), -(1 - eps));
        return eps == 0 ? loss : loss.sub(times(logSigmoid(x.neg()), eps));
    }

    /** {@code x · v} with a libtorch-owned scalar (autograd keeps it; see {@link Nd#constant}). */
    static NDArray times(NDArray x, double v) {
        return x.mul(Nd.constant(x, v));
    }

    /** {@code x / v} with a libtorch-owned scalar (autograd keeps it; see {@link Nd#constant}). */
    static NDArray over(NDArray x, double v) {
        return x.div(Nd.constant(x, v));
    }

    /** {@code min(x, EXP_CAP)} with a libtorch-owned cap (autograd keeps it; see {@link Nd#constant}). */
    static NDArray cap(NDArray x) {
        return x.minimum(Nd.constant(x, EXP_CAP));
    }

    static NDArray logSigmoid(NDArray x) {
        return Activation.softPlus(x.neg()).neg();
    }

    static NDArray sigmoid(NDArray x) {
        return Activation.sigmoid(x);
    }
}
