package mpo4j.kernel;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * Runs JShell snippets in this JVM (so cell values are live objects the kernel can render) on one
 * long-lived cell thread, and makes interrupt work the way a notebook user expects.
 *
 * <p>Interrupt first calls {@link Thread#interrupt()} on the cell thread, so a training loop that checks
 * {@code Thread.interrupted()} stops cleanly and keeps its state. The cell stays interrupted until it
 * ends: every later snippet of the same cell starts with the interrupt flag set, so a second loop stops
 * too while plain statements (printing a summary) still run. If the cell is still running after a grace
 * period (or on a second interrupt), the thread is stopped with {@code Thread.stop()}, the only way to
 * end code that never checks; the kernel and everything defined before the cell stay alive. (Java 20 and
 * later removed {@code Thread.stop()}: there the cell keeps running and the user is told to restart.)
 *
 * <p>The cell thread never publishes to Jupyter itself (see {@link IOPubPublisher}), so nothing but the
 * user's own code clears its interrupt flag.
 *
 * <p>JShell only passes strings back from an invocation, so each returned value is kept here under a key
 * and JShell's "value" is that key; {@link #takeResult} trades it for the object.
 */
final class CellExecutionControl extends DirectExecutionControl {
    /** The exception class name JShell reports when a cell was stopped by force. */
    static final String STOPPED = "mpo4j.kernel.CellStopped";

    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mpo4j-cell");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Object> results = new HashMap<>();
    private final AtomicLong keys = new AtomicLong();
    private final long graceMillis;
    private final Object lock = new Object();
    private Thread cellThread; // guarded by lock; the thread running user code, or null
    private long cell; // guarded by lock; counts cells so a late forced stop never hits the next one
    private boolean cellInterrupted; // guarded by lock
    private boolean executing; // guarded by lock; between beginCell and endCell

    CellExecutionControl(long graceMillis) {
        this.graceMillis = graceMillis;
    }

    /** A new cell starts: earlier interrupts no longer apply. */
    void beginCell() {
        synchronized (lock) {
            cell++;
            cellInterrupted = false;
            executing = true;
        }
    }

    /** The cell has ended; returns true if it was interrupted while it ran. */
    boolean endCell() {
        synchronized (lock) {
            executing = false;
            return cellInterrupted;
        }
    }

    /** True between the start and the end of a cell (also while JShell compiles its next snippet). */
    boolean isExecuting() {
        synchronized (lock) {
            return executing;
        }
    }

    /** The value a snippet returned, by the key JShell reported as its value. */
    Object takeResult(String key) {
        synchronized (results) {
            return results.remove(key);
        }
    }

    /** Forgets values nobody asked for (declarations, statements). */
    void clearResults() {
        synchronized (results) {
            results.clear();
        }
    }

    @Override
    protected String invoke(Method doit) throws Exception {
        Object value;
        if (isCellThread()) {
            value = doit.invoke(null); // a cell evaluating code itself (eval(...) from a cell)
        } else {
            Future<Object> result = worker.submit(() -> runOnCellThread(doit));
            try {
                value = result.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof InvocationTargetException && cause.getCause() instanceof ThreadDeath
                        || cause instanceof ThreadDeath) {
                    throw new UserException("the cell was stopped by force because it was still running "
                            + graceMillis / 1000 + " s after the interrupt; objects it was changing may be"
                            + " half-updated (loops of your own can stop cleanly by checking Thread.interrupted())",
                            STOPPED, new StackTraceElement[0]);
                }
                if (cause instanceof Exception) {
                    throw (Exception) cause;
                }
                throw (Error) cause;
            }
        }
        String key = "mpo4j#" + keys.incrementAndGet();
        synchronized (results) {
            results.put(key, value);
        }
        return key;
    }

    private Object runOnCellThread(Method doit) throws Exception {
        synchronized (lock) {
            cellThread = Thread.currentThread();
            if (cellInterrupted) {
                cellThread.interrupt(); // the cell was interrupted in an earlier snippet
            }
        }
        try {
            return doit.invoke(null);
        } finally {
            synchronized (lock) {
                cellThread = null;
            }
            Thread.interrupted(); // an interrupt that arrived as the cell finished must not hit the next one
        }
    }

    private boolean isCellThread() {
        synchronized (lock) {
            return cellThread == Thread.currentThread();
        }
    }

    /** True while user code is running. */
    boolean isRunning() {
        synchronized (lock) {
            return cellThread != null;
        }
    }

    /**
     * Interrupts the current cell; stops it by force if it is still running after the grace period, or at
     * once when it was already interrupted before. Does nothing between cells.
     */
    void interrupt() {
        long targetCell;
        synchronized (lock) {
            if (!executing) {
                return; // nothing to interrupt; it must not hit the next cell
            }
            targetCell = cell;
            if (cellInterrupted) {
                if (cellThread != null) {
                    forceStop(cellThread);
                }
                return;
            }
            cellInterrupted = true;
            if (cellThread != null) {
                cellThread.interrupt();
            }
        }
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(graceMillis);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (lock) {
                if (cell == targetCell && cellThread != null) {
                    forceStop(cellThread);
                }
            }
        }, "mpo4j-interrupt-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    @SuppressWarnings({"deprecation", "removal"})
    private static void forceStop(Thread target) {
        try {
            target.stop();
        } catch (UnsupportedOperationException removedInThisJava) {
            // Java 20+: no way to end code that ignores interrupts. System.err is the running cell's stream.
            System.err.println("mpo4j kernel: the cell does not react to the interrupt and Java "
                    + Runtime.version().feature() + " cannot stop a thread by force; restart the kernel to stop it"
                    + " (definitions are lost), or run the kernel on Java 17-19");
        }
    }

    @Override
    public void stop() {
        synchronized (lock) {
            if (cellThread != null) {
                forceStop(cellThread);
            }
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        super.close();
    }

    /** Hands one instance to JShell. */
    static ExecutionControlProvider providerFor(CellExecutionControl control) {
        return new ExecutionControlProvider() {
            @Override
            public String name() {
                return "mpo4j-in-process";
            }

            @Override
            public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
                return control;
            }
        };
    }
}
