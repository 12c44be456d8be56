package dev.ferry.router.forwarding;

import dev.ferry.router.config.ForwardingConfig;
import dev.ferry.router.config.TenantConfig;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Headers that differ from one Ferry sets or trusts only in spelling: {@code X_Tenant_Id} beside {@code X-Tenant-Id}.
 * HTTP names them apart, but many backends do not (CGI, WSGI and PHP turn both into {@code HTTP_X_TENANT_ID}; some
 * frameworks fold them too), so a client could slip a second tenant, a forged {@code X-Forwarded-For} or a
 * {@code X-Ferry-*} past Ferry under another spelling. Case variants are the same header to HTTP and to Ferry; the
 * difference that matters is {@code _} for {@code -}.
 *
 * <p>{@code forwarding.lookalike-headers: reject} (the default) refuses such a request with 400
 * {@code request_invalid}, naming the header; {@code strip} drops the header. The backend never sees one either way.
 */
public final class LookalikeHeaders {
    private static final List<String> PREFIXES = List.of("x-ferry-", "x-forwarded-");

    private final boolean reject;
    private final List<String> names = new ArrayList<>();

    /**
     * @param reject refuse a request that carries one (else it is only dropped)
     * @param protectedNames the names Ferry trusts or sets besides the fixed ones (the tenant headers, the served-by
     *     header); empty ones are ignored
     */
    public LookalikeHeaders(boolean reject, List<String> protectedNames) {
        this.reject = reject;
        for (String name : List.of("host", "via", "forwarded")) {
            names.add(name);
        }
        for (String name : protectedNames) {
            if (!name.isEmpty()) {
                names.add(name.toLowerCase(Locale.ROOT));
            }
        }
    }

    /**
     * The configured check: the tenant header clients name ({@code tenant.header}), the one Ferry sets for the backend
     * and the served-by header, besides the fixed names; refusing or stripping by {@code forwarding.lookalike-headers}.
     */
    public static LookalikeHeaders of(TenantConfig tenant, ForwardingConfig forwarding) {
        return new LookalikeHeaders(
                forwarding.lookalikes() == ForwardingConfig.Lookalikes.REJECT,
                List.of(tenant.header(), forwarding.tenantHeader(), forwarding.servedByHeader()));
    }

    public boolean rejects() {
        return reject;
    }

    /** Whether a header name is a lookalike of one Ferry sets or trusts: it has {@code _} where that has {@code -}. */
    public boolean isLookalike(CharSequence name) {
        int underscore = -1;
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) == '_') {
                underscore = i;
                break;
            }
        }
        if (underscore < 0) {
            return false; // nearly every header: one scan, no allocation
        }
        String normal = name.toString().replace('_', '-').toLowerCase(Locale.ROOT);
        if (names.contains(normal)) {
            return true;
        }
        for (String prefix : PREFIXES) {
            if (normal.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** The first lookalike header's name in these headers, or null. */
    public String find(HttpHeaders headers) {
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (isLookalike(name)) {
                return name.toString();
            }
        }
        return null;
    }
}
