/**
 * Training: a fluent trainer for preference optimisation (DPO, MPO, every TRL loss) and SFT of the
 * tiny VLM, on a generic loop that also trains any {@link mpo4j.train.Trainable} with your own
 * {@link mpo4j.train.Objective} ({@link mpo4j.train.CustomTrainer}).
 *
 * <pre>{@code
 * import static mpo4j.Mpo.*;
 * var split = dataset("datasets-sample/shapes/meta.json").seed(42).split(0.9);
 * var tok = tokenizer("datasets-sample/tokenizer");
 * var model = tinyVlm().seed(42).build();
 * var c = collator(tok).tileSize(64).tokensPerTile(16).maxTiles(1);
 * sftTrainer(model).data(split).collator(c).lr(2e-3).epochs(2).fit();
 * TrainRun run = trainer(model).loss(mpo()).data(split).collator(c).batchSize(8).gradAccum(1).lr(5e-4)
 *         .cosine().warmupRatio(0.03).epochs(1).seed(42).evalEvery(25).output("runs/shapes").saveEvery(50).fit();
 * run.metrics();          // Tablesaw: every loss metric + learning_rate, grad_norm, tokens_per_s, step_time_ms
 * run.curves();           // XChart panels (rewards, margins, accuracies, logps, losses, lr, grad norm)
 * run.save("runs/shapes-mpo");
 * }</pre>
 *
 * <p>What the loop guarantees: AdamW with public state ({@link mpo4j.train.AdamW}), Hugging Face
 * schedules ({@link mpo4j.train.Schedule}), global-norm clipping, gradient accumulation with
 * averaged metrics, one gradient collector at a time, every per-step array in a closed scope,
 * cooperative cancellation ({@link java.lang.Thread#interrupt()}), atomic checkpoints and exact
 * resume, identical metrics for identical seeds on the same machine.
 */
package mpo4j.train;
