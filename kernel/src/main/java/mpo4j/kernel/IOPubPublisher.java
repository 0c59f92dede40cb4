package mpo4j.kernel;

import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.dflib.jjava.jupyter.messages.Message;

/**
 * Sends every iopub message (printed text, displays, display updates, status) from one dedicated thread.
 *
 * <p>Why: JeroMQ clears the interrupt flag of the thread that sends ({@code Signaler.waitEvent} calls
 * {@code Thread.interrupted()}) and throws {@code ZMQException} (errno 4, EINTR) when that thread was
 * interrupted. A cell that printed or redrew a live display after an interrupt therefore lost the
 * interrupt (a trainer kept training) and its unsent text stayed in the stdout buffer until the next
 * cell. Handing messages to a queue never blocks, never touches the flag and never fails, so the cell
 * thread's interrupt reaches the code that checks it.
 */
final class IOPubPublisher implements AutoCloseable {
    /** Written straight to file descriptor 2: System.err may be the cell's stream, which publishes here. */
    private static final PrintStream LOG = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final Consumer<Message<?>> sink;
    private final Thread thread;
    private volatile boolean closed;

    /** Starts the publishing thread; {@code sink} sends one message (the iopub socket's sendMessage). */
    IOPubPublisher(Consumer<Message<?>> sink) {
        this.sink = sink;
        this.thread = new Thread(this::run, "mpo4j-iopub");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues {@code message}; returns at once whatever the calling thread's interrupt state. */
    void publish(Message<?> message) {
        if (!closed) {
            queue.add(() -> sink.accept(message));
        }
    }

    /**
     * Waits until everything queued before this call has been sent (at most {@code timeoutMillis}); true if
     * it was. Called by the shell thread before a reply, so output never trails the reply that ends a cell.
     * Keeps the caller's interrupt flag as it was.
     */
    boolean flush(long timeoutMillis) {
        if (Thread.currentThread() == thread) {
            return true;
        }
        CountDownLatch sent = new CountDownLatch(1);
        queue.add(sent::countDown);
        boolean interrupted = Thread.interrupted();
        try {
            return sent.await(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
            return false;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        while (true) {
            Runnable next;
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                return; // close()
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                // One message that cannot be sent (a closed socket at shutdown) must not stop the others.
                LOG.println("mpo4j kernel: could not publish a message: " + e);
            }
        }
    }

    /** Sends what is queued (for up to a second), then stops the thread; later messages are dropped. */
    @Override
    public void close() {
        flush(1000);
        closed = true;
        thread.interrupt();
    }
}
