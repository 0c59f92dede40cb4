package mpo4j.train;

import java.nio.file.Path;

/** Child-JVM entry for the kill -9 test: trains the toy slowly, checkpointing every 2 steps. */
public final class ToyTrainMain {
    public static void main(String[] args) {
        Path out = Path.of(args[0]);
        long sleepMs = Long.parseLong(args[1]);
        Toy.Model model = new Toy.Model(7);
        Toy.trainer(model).output(out).saveEvery(2).evalEvery(3).listener(new TrainListener() {
            @Override public void onStep(Progress p) {
                try {
                    Thread.sleep(sleepMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }).fit();
        System.exit(0);
    }
}
