package mpo4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.MessageType;
import org.dflib.jjava.jupyter.messages.publish.PublishStream;
import org.junit.jupiter.api.Test;

class IOPubPublisherTest {

    @Test
    void anInterruptedThreadPublishesWithoutLosingItsInterrupt() throws Exception {
        List<String> sent = new CopyOnWriteArrayList<>();
        List<String> senders = new CopyOnWriteArrayList<>();
        try (IOPubPublisher publisher = new IOPubPublisher(m -> {
            // JeroMQ does this to the sending thread: it reads and clears the interrupt flag.
            senders.add(Thread.currentThread().getName() + (Thread.interrupted() ? " (was interrupted)" : ""));
            sent.add(((PublishStream) m.getContent()).getText());
        })) {
            boolean[] flagAfter = new boolean[1];
            Thread cell = new Thread(() -> {
                Thread.currentThread().interrupt();
                for (int i = 1; i <= 3; i++) {
                    publisher.publish(stream("step " + i + "\n"));
                }
                flagAfter[0] = Thread.currentThread().isInterrupted();
            }, "cell");
            cell.start();
            cell.join();
            assertTrue(flagAfter[0], "the cell thread is still interrupted after publishing");
            assertTrue(publisher.flush(5000));
            assertEquals(List.of("step 1\n", "step 2\n", "step 3\n"), sent, "in order, none lost");
            assertEquals(List.of("mpo4j-iopub", "mpo4j-iopub", "mpo4j-iopub"), senders, "sent by the publisher thread only");
        }
    }

    @Test
    void flushKeepsTheCallersInterruptFlag() {
        try (IOPubPublisher publisher = new IOPubPublisher(m -> { })) {
            publisher.publish(stream("x"));
            Thread.currentThread().interrupt();
            assertTrue(publisher.flush(5000));
            assertTrue(Thread.interrupted(), "flush restores (and here clears for the next test) the flag");
        }
    }

    @Test
    void aMessageThatFailsDoesNotStopTheOthers() {
        List<String> sent = new CopyOnWriteArrayList<>();
        try (IOPubPublisher publisher = new IOPubPublisher(m -> {
            String text = ((PublishStream) m.getContent()).getText();
            if (text.equals("bad")) {
                throw new IllegalStateException("socket closed");
            }
            sent.add(text);
        })) {
            publisher.publish(stream("bad"));
            publisher.publish(stream("good"));
            assertTrue(publisher.flush(5000));
            assertEquals(List.of("good"), sent);
        }
    }

    private static Message<PublishStream> stream(String text) {
        return new Message<>(null, MessageType.PUBLISH_STREAM, new PublishStream(PublishStream.StreamType.OUT, text));
    }
}
