package dev.ferry.admin.tenants;

import java.util.Collection;
import java.util.Iterator;

/** Short texts for messages and tables: "acme, globex and 9,998 more". */
public final class Text {
    private Text() {}

    public static String names(Collection<String> names, int max) {
        StringBuilder s = new StringBuilder();
        Iterator<String> it = names.iterator();
        for (int i = 0; i < max && it.hasNext(); i++) {
            if (i > 0) {
                s.append(", ");
            }
            s.append(it.next());
        }
        if (names.size() > max) {
            s.append(" and ").append(String.format("%,d", names.size() - max)).append(" more");
        }
        return s.toString();
    }

    public static String count(long n, String noun) {
        return String.format("%,d", n) + " " + (n == 1 ? noun : noun + "s");
    }
}
