package dev.slipway.examples.orders;

/**
 * A customer to create, with its name in both forms so that every storage layout finds the one
 * it needs. The split rule is the schema migration's: the first name is everything before the
 * first space, the last name the rest (possibly empty).
 */
public record NewCustomer(String name, String firstName, String lastName, String email) {

    /** From a full name such as {@code "Ada Lovelace"}. */
    public static NewCustomer fromName(String name, String email) {
        String full = name.strip();
        int space = full.indexOf(' ');
        if (space < 0) {
            return new NewCustomer(full, full, "", email);
        }
        return new NewCustomer(full, full.substring(0, space), full.substring(space + 1).strip(), email);
    }

    /** From separate parts; either may be empty, but not both. */
    public static NewCustomer fromParts(String firstName, String lastName, String email) {
        String first = firstName == null ? "" : firstName.strip();
        String last = lastName == null ? "" : lastName.strip();
        return new NewCustomer(joinName(first, last), first, last, email);
    }

    /** The full name shown for a first and a last name, skipping whichever is empty. */
    public static String joinName(String firstName, String lastName) {
        String first = firstName == null ? "" : firstName.strip();
        String last = lastName == null ? "" : lastName.strip();
        if (first.isEmpty()) {
            return last;
        }
        return last.isEmpty() ? first : first + " " + last;
    }
}
