/**
 * InternVL's preference-data pipelines (the MPO README's MMPR recipes) on any {@link mpo4j.model.CausalLm}:
 * {@link mpo4j.pairs.CorrectnessPairs} (sample answers, judge them against the known answer, pair right with
 * wrong) and {@link mpo4j.pairs.DropoutNtpPairs} (continue a cut chosen answer without the image); both write
 * MMPR JSONL plus a {@code meta.json} entry through {@link mpo4j.pairs.MmprWriter}.
 */
package mpo4j.pairs;
