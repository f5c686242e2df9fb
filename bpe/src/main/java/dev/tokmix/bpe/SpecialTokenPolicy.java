package dev.tokmix.bpe;

import java.util.Set;

/**
 * Which special tokens an encode call matches, which it treats as plain text, and which make it fail — tiktoken's
 * {@code allowed_special} / {@code disallowed_special}, applied to tiktoken specials and to the
 * {@code special: true} added tokens of a {@code tokenizer.json}. Non-special added tokens of a
 * {@code tokenizer.json} are vocabulary, not control tokens: they are matched under every policy, as in HF.
 *
 * <ul>
 *   <li>{@link #ordinary()}: special-token text is ordinary text (tiktoken {@code encode_ordinary}); the CLI
 *       default.</li>
 *   <li>{@link #all()}: every special token is matched (HF {@code encode}; tiktoken
 *       {@code allowed_special="all"}).</li>
 *   <li>{@link #allowing(Set)}: the listed ones are matched and any other special token in the text raises
 *       {@link DisallowedSpecialTokenException} (tiktoken {@code encode}'s default, with
 *       {@code allowing(Set.of())}).</li>
 *   <li>{@link #of(Set, Set)}: explicit allowed and disallowed sets; specials in neither are text.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class SpecialTokenPolicy {
    private static final SpecialTokenPolicy ORDINARY = new SpecialTokenPolicy(false, Set.of(), false, Set.of());
    private static final SpecialTokenPolicy ALL = new SpecialTokenPolicy(true, Set.of(), false, Set.of());

    private final boolean allowAll;
    private final Set<String> allowed;
    private final boolean disallowOthers;
    private final Set<String> disallowed;

    private SpecialTokenPolicy(boolean allowAll, Set<String> allowed, boolean disallowOthers,
                               Set<String> disallowed) {
        this.allowAll = allowAll;
        this.allowed = Set.copyOf(allowed);
        this.disallowOthers = disallowOthers;
        this.disallowed = Set.copyOf(disallowed);
    }

    /**
     * Special-token text is plain text.
     *
     * @return the policy
     */
    public static SpecialTokenPolicy ordinary() {
        return ORDINARY;
    }

    /**
     * Every special token is matched.
     *
     * @return the policy
     */
    public static SpecialTokenPolicy all() {
        return ALL;
    }

    /**
     * The listed special tokens are matched; any other special token in the text is an error.
     *
     * @param allowed special tokens to match
     * @return the policy
     */
    public static SpecialTokenPolicy allowing(Set<String> allowed) {
        return new SpecialTokenPolicy(false, allowed, true, Set.of());
    }

    /**
     * Explicit sets: {@code allowed} are matched, {@code disallowed} raise, the rest are text.
     *
     * @param allowed    special tokens to match
     * @param disallowed special tokens whose presence is an error
     * @return the policy
     */
    public static SpecialTokenPolicy of(Set<String> allowed, Set<String> disallowed) {
        return new SpecialTokenPolicy(false, allowed, false, disallowed);
    }

    /**
     * Whether a special token is matched as a token.
     *
     * @param token the special token text
     * @return true if matched
     */
    public boolean allows(String token) {
        return allowAll || allowed.contains(token);
    }

    /**
     * Whether a special token's presence in the text is an error.
     *
     * @param token the special token text
     * @return true if it raises
     */
    public boolean disallows(String token) {
        return !allows(token) && (disallowOthers || disallowed.contains(token));
    }

    boolean matchesNothing() {
        return !allowAll && allowed.isEmpty();
    }

    boolean disallowsNothing() {
        return allowAll || (!disallowOthers && disallowed.isEmpty());
    }

    @Override
    public String toString() {
        if (allowAll) {
            return "all";
        }
        if (this == ORDINARY) {
            return "ordinary";
        }
        return "allowed=" + allowed + (disallowOthers ? ", others disallowed" : ", disallowed=" + disallowed);
    }
}
