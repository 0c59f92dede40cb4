package mpo4j.loss;

/** Test access to the loss package's count of device-to-host copies ({@code Nd}, package-private). */
public final class LossHostCopies {
    private LossHostCopies() {}

    /** Copies made through {@code Nd} in this process so far. */
    public static long count() {
        return Nd.hostCopies();
    }
}
