package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import mpo4j.engine.Scalar;

/**
 * The per-pair formulas of {@code docs/losses.md}, one case per loss type, on {@code [B]} arrays.
 * Every log σ goes through softplus ({@code log σ(x) = −softplus(−x)}), which PyTorch evaluates
 * without overflow for any float.
 */
final class PairLosses {
    /** Exponent cap shared by the alpha divergence (spec) and our overflow guards. */
    static final double EXP_CAP = 80;

    private PairLosses() {}

    /**
     * What the formulas read, for one batch. {@code lenC}/{@code lenR} are max(L, 1); {@code delta} is
     * bco_pair's δ as a 0-d float64 array without gradient (null for the other types).
     */
    record Terms(double beta, double eps, double tau, NDArray delta,
                 NDArray piC, NDArray piR, NDArray refC, NDArray refR,
                 NDArray ellC, NDArray ellR, NDArray sC, NDArray sR,
                 NDArray lenC, NDArray lenR, NDArray nll) {
        NDArray z() {
            return Scalar.mul(sC.sub(sR), beta);
        }
    }

    static NDArray perPair(LossType type, Terms t) {
        double beta = t.beta();
        double eps = t.eps();
        switch (type) {
            case SIGMOID:
                return smoothedSigmoid(t.z(), eps);
            case HINGE:
                return Scalar.maximum(t.z().neg().add(1), 0);
            case IPO:
                return t.sC().div(t.lenC()).sub(t.sR().div(t.lenR())).sub(1 / (2 * beta)).square();
            case SIGMOID_NORM:
                return logSigmoid(Scalar.mul(t.sC().div(t.lenC()).sub(t.sR().div(t.lenR())), beta)).neg();
            case EXO_PAIR: {
                NDArray z = t.z();
                NDArray pos = sigmoid(z).mul(logSigmoid(z).sub(Math.log(1 - eps)));
                NDArray neg = sigmoid(z.neg()).mul(logSigmoid(z.neg()).sub(Math.log(eps)));
                return pos.add(neg);
            }
            case NCA_PAIR: {
                NDArray c = Scalar.mul(t.sC(), beta);
                NDArray r = Scalar.mul(t.sR(), beta);
                return logSigmoid(c).neg().sub(Scalar.mul(logSigmoid(c.neg()), 0.5)).sub(Scalar.mul(logSigmoid(r.neg()), 0.5));
            }
            case ROBUST: {
                NDArray z = t.z();
                return Scalar.div(Scalar.mul(logSigmoid(z), -(1 - eps)).add(Scalar.mul(logSigmoid(z.neg()), eps)), 1 - 2 * eps);
            }
            case BCO_PAIR: {
                NDArray c = Scalar.mul(t.sC(), beta).sub(t.delta());
                NDArray r = Scalar.mul(t.sR(), beta).sub(t.delta());
                return logSigmoid(c).neg().sub(logSigmoid(r.neg()));
            }
            case SPPO_HARD:
                return t.sC().sub(1 / (2 * beta)).square().add(t.sR().add(1 / (2 * beta)).square());
            case AOT: {
                NDArray d = t.piC().sub(t.piR()).sort(0).sub(t.refC().sub(t.refR()).sort(0));
                return smoothedSigmoid(Scalar.mul(d, beta), eps);
            }
            case AOT_UNPAIRED: {
                NDArray d = t.ellC().sort(0).sub(t.ellR().sort(0));
                return smoothedSigmoid(Scalar.mul(d, beta), eps);
            }
            case APO_ZERO:
                return sigmoid(Scalar.mul(t.ellC(), beta)).neg().add(1).add(sigmoid(Scalar.mul(t.ellR(), beta)));
            case APO_DOWN:
                return sigmoid(Scalar.mul(t.ellC(), beta)).add(1).sub(sigmoid(t.z()));
            case DISCOPOP: {
                NDArray z = t.z();
                NDArray modulation = sigmoid(Scalar.div(z, t.tau()));
                // exp(−z)·m evaluated as exp(−z + log m): finite where exp(−z) alone overflows (m → 0 there)
                NDArray expPart = Scalar.minimum(z.neg().add(logSigmoid(Scalar.div(z, t.tau()))), EXP_CAP).exp();
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
                return Scalar.minimum(ell.neg(), EXP_CAP).exp().neg();
            case JS_DIVERGENCE:
                return logSigmoid(ell);
            case ALPHA_DIVERGENCE:
                if (Math.abs(alphaCoef - 1) < 1e-6) {
                    return ell;
                }
                return Scalar.div(Scalar.minimum(Scalar.mul(ell, alphaCoef - 1), EXP_CAP).exp(), alphaCoef - 1);
            default:
                throw new IllegalStateException("no score for " + f);
        }
    }

    /** Conservative DPO: {@code −(1−ε)·log σ(x) − ε·log σ(−x)}. */
    static NDArray smoothedSigmoid(NDArray x, double eps) {
        NDArray loss = Scalar.mul(logSigmoid(x), -(1 - eps));
        return eps == 0 ? loss : loss.sub(Scalar.mul(logSigmoid(x.neg()), eps));
    }

    static NDArray logSigmoid(NDArray x) {
        return Activation.softPlus(x.neg()).neg();
    }

    static NDArray sigmoid(NDArray x) {
        return Activation.sigmoid(x);
    }
}
