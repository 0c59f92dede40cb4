package mpo4j.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;

/**
 * Starts the kernel for Jupyter: {@code java -cp ... mpo4j.kernel.Main <connection-file>} (what the
 * installed {@code kernel.json} runs).
 */
public final class Main {
    private static final String CUDA_LOG = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";

    private Main() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: mpo4j.kernel.Main <jupyter connection file>");
            System.exit(2);
        }
        try {
            run(Path.of(args[0]));
        } catch (Throwable e) {
            // JShell and ZeroMQ have already started non-daemon threads: returning from main would leave a
            // process that never answers, and Jupyter would wait a minute before reporting a timeout instead
            // of seeing a dead kernel at once (a port taken between Jupyter's choice and our bind, say).
            System.err.println("mpo4j kernel: could not start with " + args[0] + ": " + e);
            e.printStackTrace();
            System.exit(1);
        }
        // Threads started by cells (or native libraries) must not keep a shut-down kernel alive.
        System.exit(0);
    }

    private static void run(Path connectionFile) throws Exception {
        KernelConnectionProperties connectionProperties =
                KernelConnectionProperties.parse(Files.readString(connectionFile));
        System.setProperty("java.awt.headless", "true");
        // On CPU-only machines DJL warns about CUDA at every engine start; in a notebook that lands in the
        // first cell's output. Users can still turn it back on with -D.
        if (System.getProperty(CUDA_LOG) == null) {
            System.setProperty(CUDA_LOG, "error");
        }
        Mpo4jConnection connection = new Mpo4jConnection(connectionProperties);
        Mpo4jKernel kernel = new Mpo4jKernel(CellEvaluator.withStartup());
        kernel.onStartup();
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
    }
}
