package org.cfsj.oci.source;

import java.util.Locale;

/**
 * An OCI platform ({@code os/architecture[/variant]}) as {@code --platform} spells it. jib-core
 * matches os and architecture only; cfsj also honours the variant (arm/v6 vs arm/v7, arm64/v8).
 */
public record Platform(String os, String architecture, String variant) {
    public Platform {
        if (os == null || os.isEmpty() || architecture == null || architecture.isEmpty()) {
            throw new IllegalArgumentException("a platform needs an os and an architecture");
        }
        variant = variant == null || variant.isEmpty() ? null : variant;
    }

    /** Parses {@code os/arch[/variant]}. */
    public static Platform parse(String text) {
        String[] parts = text.split("/", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()
                || (parts.length == 3 && parts[2].isEmpty())) {
            throw new IllegalArgumentException("--platform must be os/arch[/variant], not '" + text + "'");
        }
        return new Platform(parts[0], normalizeArch(parts[1]), parts.length == 3 ? parts[2] : null);
    }

    /** The platform of this machine (the JVM's view), in OCI/Go names. */
    public static Platform current() {
        String arch = normalizeArch(System.getProperty("os.arch").toLowerCase(Locale.ROOT));
        String variant = switch (arch) {
            case "arm64" -> "v8";
            case "arm" -> "v7";
            default -> null;
        };
        return new Platform("linux", arch, variant);
    }

    static String normalizeArch(String arch) {
        return switch (arch) {
            case "x86_64", "x86-64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "i386", "i486", "i586", "i686", "x86", "386" -> "386";
            case "armhf", "armv7l", "arm" -> "arm";
            default -> arch;
        };
    }

    /**
     * Whether an index entry's platform satisfies this one. A missing variant on either side
     * matches (an index rarely lists arm64/v8 with its variant, and a user who asks for
     * linux/arm64 takes any arm64); "v8" is arm64's implied default.
     */
    public boolean accepts(String entryOs, String entryArch, String entryVariant) {
        if (!os.equals(entryOs) || entryArch == null || !architecture.equals(normalizeArch(entryArch))) {
            return false;
        }
        String mine = variant;
        String theirs = entryVariant == null || entryVariant.isEmpty() ? null : entryVariant;
        if (architecture.equals("arm64")) {
            mine = "v8".equals(mine) ? null : mine;
            theirs = "v8".equals(theirs) ? null : theirs;
        }
        return mine == null || theirs == null || mine.equals(theirs);
    }

    /** Whether the variant is an exact match (used to prefer exact entries over variant-less ones). */
    public boolean exactVariant(String entryVariant) {
        return variant != null && variant.equals(entryVariant);
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
