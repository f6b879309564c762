package org.cfsj.oci.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The user a container process runs as, resolved from the image config's {@code User} field the
 * way image-spec config.md describes it: {@code user}, {@code uid}, {@code user:group},
 * {@code uid:gid}, {@code uid:group} or {@code user:gid}; names are looked up in the image's own
 * {@code /etc/passwd} and {@code /etc/group}, never the host's.
 *
 * @param home the user's home directory from {@code /etc/passwd}, or empty if unknown
 */
public record ProcessUser(long uid, long gid, List<Long> additionalGids, Optional<String> home) {
    public ProcessUser {
        additionalGids = List.copyOf(additionalGids);
    }

    /**
     * Resolves {@code spec} against {@code db}.
     *
     * <ul>
     *   <li>no group given: the primary group is the user's from {@code /etc/passwd} (0 for a
     *       numeric uid it does not list), and every group listing the user by name is added
     *       as a supplementary group (what {@code initgroups(3)} would do at login);
     *   <li>a group given: exactly that group, no supplementary groups.
     * </ul>
     *
     * @throws BundleException if a name is not in the image's files or an id is not a valid id
     */
    public static ProcessUser resolve(String spec, UserDatabase db) throws BundleException {
        String s = spec.strip();
        String userPart = s;
        String groupPart = null;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            userPart = s.substring(0, colon);
            groupPart = s.substring(colon + 1);
        }
        if (userPart.isEmpty()) {
            userPart = "0"; // "" and ":group" both mean root
        }
        Optional<UserDatabase.Passwd> entry;
        long uid;
        UserDatabase.OptionalId numeric = UserDatabase.OptionalId.parse(userPart);
        if (numeric.valid()) {
            uid = numeric.value();
            entry = db.user(uid);
        } else if (userPart.chars().allMatch(Character::isDigit)) {
            throw new BundleException("user id " + userPart + " in the image's User '" + spec + "' is out of range");
        } else {
            entry = db.user(userPart);
            if (entry.isEmpty()) {
                throw new BundleException("the image's User '" + spec + "' names user '" + userPart
                        + "', which is not in the image's /etc/passwd");
            }
            uid = entry.get().uid();
        }
        Optional<String> home = entry.map(UserDatabase.Passwd::home).filter(h -> !h.isEmpty());
        if (groupPart != null && !groupPart.isEmpty()) {
            return new ProcessUser(uid, group(groupPart, spec, db), List.of(), home);
        }
        long gid = entry.map(UserDatabase.Passwd::gid).orElse(0L);
        List<Long> extra = new ArrayList<>();
        if (entry.isPresent()) {
            String name = entry.get().name();
            for (UserDatabase.Group g : db.groups()) {
                if (g.members().contains(name) && g.gid() != gid && !extra.contains(g.gid())) {
                    extra.add(g.gid());
                }
            }
        }
        return new ProcessUser(uid, gid, extra, home);
    }

    private static long group(String groupPart, String spec, UserDatabase db) throws BundleException {
        UserDatabase.OptionalId numeric = UserDatabase.OptionalId.parse(groupPart);
        if (numeric.valid()) {
            return numeric.value();
        }
        if (groupPart.chars().allMatch(Character::isDigit)) {
            throw new BundleException("group id " + groupPart + " in the image's User '" + spec + "' is out of range");
        }
        return db.group(groupPart).map(UserDatabase.Group::gid).orElseThrow(() -> new BundleException(
                "the image's User '" + spec + "' names group '" + groupPart + "', which is not in the image's /etc/group"));
    }
}
