package mpo4j.kernel;

import java.nio.charset.StandardCharsets;
import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.JupyterIO;

/** Jupyter's stdout/stderr/display streams, with the attach/detach hooks the kernel's execute handler needs. */
final class KernelIO extends JupyterIO {
    KernelIO() {
        super(StandardCharsets.UTF_8);
    }

    void attach(ShellReplyEnvironment env, boolean stdinEnabled) {
        setEnv(env);
        setJupyterInEnabled(stdinEnabled);
    }

    void detach(ShellReplyEnvironment env) {
        retractEnv(env);
    }
}
