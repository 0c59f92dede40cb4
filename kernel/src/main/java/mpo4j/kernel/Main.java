package mpo4j.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;

/**
 * Starts the kernel for Jupyter: {@code java -cp ... mpo4j.kernel.Main <connection-file>} (what the
 * installed {@code kernel.json} runs).
 */
public final class Main {
    private static final String CUDA_LOG = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";

    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: mpo4j.kernel.Main <jupyter connection file>");
            System.exit(2);
        }
        KernelConnectionProperties connectionProperties =
                KernelConnectionProperties.parse(Files.readString(Path.of(args[0])));
        System.setProperty("java.awt.headless", "true");
        // On CPU-only machines DJL warns about CUDA at every engine start; in a notebook that lands in the
        // first cell's output. Users can still turn it back on with -D.
        if (System.getProperty(CUDA_LOG) == null) {
            System.setProperty(CUDA_LOG, "error");
        }
        JupyterConnection connection = new JupyterConnection(connectionProperties);
        Mpo4jKernel kernel = new Mpo4jKernel(CellEvaluator.withStartup());
        kernel.onStartup();
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
        // Threads started by cells (or native libraries) must not keep a shut-down kernel alive.
        System.exit(0);
    }
}
