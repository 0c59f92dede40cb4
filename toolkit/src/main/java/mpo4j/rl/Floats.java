package mpo4j.rl;

/** Host-array conversions the objectives share. */
final class Floats {
    private Floats() {}

    static float[] of(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
    }

    static double sum(float[] x) {
        double s = 0;
        for (float v : x) {
            s += v;
        }
        return s;
    }
}
