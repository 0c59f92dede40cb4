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
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: mpo4j.kernel.Main <jupyter connection file>");
            System.exit(2);
        }
        KernelConnectionProperties connectionProperties =
                KernelConnectionProperties.parse(Files.readString(Path.of(args[0])));
        System.setProperty("java.awt.headless", "true");
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
