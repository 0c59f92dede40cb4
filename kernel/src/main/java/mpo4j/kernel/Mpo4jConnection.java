package mpo4j.kernel;

import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.channels.JupyterSocket;
import org.dflib.jjava.jupyter.channels.ShellChannel;
import org.dflib.jjava.jupyter.channels.ShellHandler;
import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.MessageContext;
import org.dflib.jjava.jupyter.messages.MessageType;
import org.zeromq.ZMQ;

/**
 * jjava's Jupyter connection with iopub published from one thread ({@link IOPubPublisher}) and a way to
 * abort the execute requests queued behind a failed cell ({@link #abortQueuedExecuteRequests}).
 */
final class Mpo4jConnection extends JupyterConnection {
    private final IOPubPublisher publisher;

    Mpo4jConnection(KernelConnectionProperties properties) throws NoSuchAlgorithmException, InvalidKeyException {
        super(properties);
        this.publisher = new IOPubPublisher(iopub::sendMessage);
    }

    @Override
    public ShellReplyEnvironment prepareReplyEnv(ShellChannel shell, MessageContext context) {
        return new QueuedReplyEnvironment(shell, stdin, iopub, context, publisher);
    }

    /**
     * After a cell failed with {@code stop_on_error}: answers every execute request already waiting on the
     * shell socket with status {@code aborted} (with its busy/idle pair) and handles any other request
     * normally, as the messaging protocol asks ("Run All" stops at the first error). Runs on the shell
     * thread, the only reader of that socket.
     *
     * @return how many execute requests were aborted
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    int abortQueuedExecuteRequests(JupyterSocket shellSocket) {
        if (!(shellSocket instanceof ShellChannel)) {
            return 0;
        }
        ShellChannel shell = (ShellChannel) shellSocket;
        int aborted = 0;
        while ((shell.getEvents() & ZMQ.Poller.POLLIN) != 0) {
            Message<?> message = shell.readMessage();
            if (message == null) {
                break; // closed
            }
            ShellReplyEnvironment env = prepareReplyEnv(shell, message);
            try {
                MessageType<?> type = message.getHeader().getType();
                if (type == MessageType.EXECUTE_REQUEST) {
                    env.setBusyDeferIdle();
                    Map<String, Object> content = new LinkedHashMap<>();
                    content.put("status", "aborted");
                    env.defer().reply(new Message(message, MessageType.EXECUTE_REPLY, content));
                    aborted++;
                } else {
                    ShellHandler handler = getHandler(type);
                    if (handler != null) {
                        handler.handle(env, message);
                    }
                }
            } catch (Exception e) {
                // the same policy as jjava's shell loop: one bad request must not stop the kernel
            } finally {
                env.resolveDeferrals();
            }
            if (env.isMarkedForShutdown()) {
                close();
                break;
            }
        }
        return aborted;
    }

    @Override
    public void close() {
        publisher.close();
        super.close();
    }
}
