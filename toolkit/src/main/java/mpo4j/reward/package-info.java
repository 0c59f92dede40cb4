/**
 * Scalar reward models (LightRFT-style SRM) on the toolkit's (vision-)language backbone.
 *
 * <p>{@link mpo4j.reward.RewardModel} puts named heads on a {@link mpo4j.model.Vlm};
 * {@link mpo4j.reward.RewardCollator} turns {@link mpo4j.data.RewardPair}s into batches with the
 * pipeline's InternVL collator (images tiled once per pair); {@link mpo4j.reward.RewardTrainer} trains
 * with {@code sigmoid} (Bradley–Terry with margin), {@code logexp} or {@code hps} on the shared loop;
 * {@link mpo4j.reward.RewardEvaluation} holds held-out accuracy and writes
 * {@code evals/eval_results_{step}.jsonl}.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.load(Path.of("datasets-sample/tokenizer"));
 * RewardModel rm = RewardModel.builder(Vlm.builder(VlmConfig.tinyVlm()).seed(42).build()).tokenizer(tok).build();
 * RewardRun run = RewardTrainer.of(rm).loss("sigmoid")
 *         .data(Datasets.loadReward("datasets-sample/reward/train.jsonl"))
 *         .eval(Datasets.loadReward("datasets-sample/reward/eval.jsonl"))
 *         .batchSize(8).lr(1e-3).constant().epochs(2).output("runs/rm").fit();
 * System.out.println(run.lastEvaluation());
 * RewardModel.PairScores s = rm.score(Datasets.loadReward("datasets-sample/reward/eval.jsonl").get(0));
 * }</pre>
 */
package mpo4j.reward;
