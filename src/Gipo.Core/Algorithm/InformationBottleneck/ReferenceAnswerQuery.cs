namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>
/// One teacher-forced query of <c>ib.phi_source = ref_answer_prob</c> (§C.9): the policy reads
/// <paramref name="Context"/> and is asked for <paramref name="Scored"/>, token by token.
/// </summary>
/// <param name="Context">Prompt, the response up to the end of the state's last step, then the answer prefix.</param>
/// <param name="Scored">The reference answer's tokens followed by the suffix's.</param>
public sealed record ReferenceAnswerQuery(int[] Context, int[] Scored);
