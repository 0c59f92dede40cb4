package mpo4j.loss;

import java.util.Arrays;

/**
 * docs/losses.md written out in plain double arithmetic, pair by pair, independent of the NDArray
 * implementation: the expected values of the formula tests.
 */
final class SpecFormulas {
    private SpecFormulas() {}

    static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    static double logSig(double x) {
        return -softplus(-x);
    }

    static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    static double score(FDivergence f, double a, double l) {
        switch (f) {
            case REVERSE_KL: return l;
            case FORWARD_KL: return -Math.exp(-l);
            case JS_DIVERGENCE: return logSig(l);
            default: return Math.abs(a - 1) < 1e-6 ? l : Math.exp(Math.min((a - 1) * l, 80)) / (a - 1);
        }
    }

    /** Per-entry losses of one batch for one type, δ given (bco), unit-less lengths given. */
    static double[] perPair(LossType type, double beta, double eps, double tau, FDivergence f, double a, double delta,
                            double[] pc, double[] pr, double[] rc, double[] rr, int[] lc, int[] lr) {
        int b = pc.length;
        double[] out = new double[b];
        double nll = 0;
        double tok = 0;
        for (int i = 0; i < b; i++) {
            nll -= pc[i];
            tok += lc[i];
        }
        nll /= Math.max(tok, 1);
        double[] dPol = new double[b];
        double[] dRef = new double[b];
        double[] lcs = new double[b];
        double[] lrs = new double[b];
        for (int i = 0; i < b; i++) {
            dPol[i] = pc[i] - pr[i];
            dRef[i] = rc[i] - rr[i];
            lcs[i] = pc[i] - rc[i];
            lrs[i] = pr[i] - rr[i];
        }
        Arrays.sort(dPol);
        Arrays.sort(dRef);
        Arrays.sort(lcs);
        Arrays.sort(lrs);
        for (int i = 0; i < b; i++) {
            double lC = pc[i] - rc[i];
            double lR = pr[i] - rr[i];
            double sc = score(f, a, lC);
            double sr = score(f, a, lR);
            double z = beta * (sc - sr);
            double nC = Math.max(lc[i], 1);
            double nR = Math.max(lr[i], 1);
            double v;
            switch (type) {
                case SIGMOID: v = -(1 - eps) * logSig(z) - eps * logSig(-z); break;
                case HINGE: v = Math.max(0, 1 - z); break;
                case IPO: v = Math.pow(sc / nC - sr / nR - 1 / (2 * beta), 2); break;
                case SIGMOID_NORM: v = -logSig(beta * (sc / nC - sr / nR)); break;
                case EXO_PAIR: v = sig(z) * (logSig(z) - Math.log(1 - eps)) + sig(-z) * (logSig(-z) - Math.log(eps)); break;
                case NCA_PAIR: v = -logSig(beta * sc) - 0.5 * logSig(-beta * sc) - 0.5 * logSig(-beta * sr); break;
                case ROBUST: v = (-(1 - eps) * logSig(z) + eps * logSig(-z)) / (1 - 2 * eps); break;
                case BCO_PAIR: v = -logSig(beta * sc - delta) - logSig(-(beta * sr - delta)); break;
                case SPPO_HARD: v = Math.pow(sc - 1 / (2 * beta), 2) + Math.pow(sr + 1 / (2 * beta), 2); break;
                case AOT: {
                    double d = beta * (dPol[i] - dRef[i]);
                    v = -(1 - eps) * logSig(d) - eps * logSig(-d);
                    break;
                }
                case AOT_UNPAIRED: {
                    double d = beta * (lcs[i] - lrs[i]);
                    v = -(1 - eps) * logSig(d) - eps * logSig(-d);
                    break;
                }
                case APO_ZERO: v = 1 - sig(beta * lC) + sig(beta * lR); break;
                case APO_DOWN: v = sig(beta * lC) + 1 - sig(z); break;
                case DISCOPOP: {
                    double m = sig(z / tau);
                    v = -logSig(z) * (1 - m) + (m == 0 ? 0 : Math.exp(-z) * m); // limit 0 where exp(−z)·0 would be Inf·0
                    break;
                }
                case SFT: v = nll; break;
                default: throw new IllegalStateException();
            }
            out[i] = v;
        }
        return out;
    }

    static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }
}
