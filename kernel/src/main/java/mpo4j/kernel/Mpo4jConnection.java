package mpo4j.kernel;

import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
     * After a cell failed with {@code stop_on_error}: answers every execute request that was already waiting
     * on the shell socket with status {@code aborted} (with its busy/idle pair) and handles any other request
     * normally, as the messaging protocol asks ("Run All" stops at the first error). Runs on the shell
     * thread, the only reader of that socket.
     *
     * <p>The waiting requests are taken off the socket <em>before</em> {@code sendFailedReply} sends the
     * failed cell's reply, and answered after it: a request a front end sends once it has seen that reply
     * (the next cell a user runs) must run, and reading the socket only after the reply raced with it.
     *
     * @param sendFailedReply sends the failed cell's reply and idle status
     * @return how many execute requests were aborted
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    int abortQueuedExecuteRequests(JupyterSocket shellSocket, Runnable sendFailedReply) {
        if (!(shellSocket instanceof ShellChannel)) {
            sendFailedReply.run();
            return 0;
        }
        ShellChannel shell = (ShellChannel) shellSocket;
        List<Message<?>> waiting = new ArrayList<>();
        while ((shell.getEvents() & ZMQ.Poller.POLLIN) != 0) {
            Message<?> message = shell.readMessage();
            if (message == null) {
                break; // closed
            }
            waiting.add(message);
        }
        sendFailedReply.run();
        int aborted = 0;
        for (Message<?> message : waiting) {
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
