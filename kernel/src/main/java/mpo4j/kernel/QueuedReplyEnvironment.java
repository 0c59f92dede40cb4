package mpo4j.kernel;

import org.dflib.jjava.jupyter.channels.JupyterSocket;
import org.dflib.jjava.jupyter.channels.ShellChannel;
import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.channels.StdinChannel;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.MessageContext;

/**
 * A reply environment whose iopub messages go through the {@link IOPubPublisher} (so no cell thread ever
 * sends on a ZeroMQ socket) and whose replies wait until the iopub output before them has been sent.
 * Keeps jjava's {@code defer()} contract: the next message after {@code defer()} is sent at
 * {@code resolveDeferrals()}, last deferred first.
 */
final class QueuedReplyEnvironment extends ShellReplyEnvironment {
    private static final long REPLY_FLUSH_MILLIS = 10_000;

    private final IOPubPublisher publisher;
    private boolean deferNext;

    QueuedReplyEnvironment(ShellChannel shell, StdinChannel stdin, JupyterSocket iopub, MessageContext context,
                           IOPubPublisher publisher) {
        super(shell, stdin, iopub, context);
        this.publisher = publisher;
    }

    @Override
    public QueuedReplyEnvironment defer() {
        deferNext = true; // our own flag: super.defer() would make super.publish send on the socket directly
        return this;
    }

    @Override
    public void publish(Message<?> msg) {
        if (deferNext) {
            deferNext = false;
            defer(() -> publisher.publish(msg));
        } else {
            publisher.publish(msg);
        }
    }

    @Override
    public void reply(Message<?> msg) {
        if (deferNext) {
            deferNext = false;
            defer(() -> sendReply(msg));
        } else {
            sendReply(msg);
        }
    }

    private void sendReply(Message<?> msg) {
        publisher.flush(REPLY_FLUSH_MILLIS);
        getShell().sendMessage(msg);
    }
}
