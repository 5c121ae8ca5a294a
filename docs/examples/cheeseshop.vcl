vcl 4.1;

# Varnish in front of cheeseshop: the pages cheeseshop marks with keys
# (Surrogate-Key) are kept for their s-maxage (cheeseshop.cdn.s_maxage) and
# dropped as soon as cheeseshop bans their keys (cheeseshop.purge = varnish,
# cheeseshop.purge.url = this Varnish). Files are kept as long as they say
# (immutable). Everything else passes through.

backend cheeseshop {
    .host = "127.0.0.1";
    .port = "6543";
}

# Who may ban: the hosts cheeseshop's workers run on.
acl purgers {
    "127.0.0.1";
}

sub vcl_recv {
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(403, "Not allowed."));
        }
        if (req.http.X-Purge-Keys !~ "^[][()|^$:a-z0-9-]+$") {
            return (synth(400, "X-Purge-Keys is not a pattern of keys."));
        }
        # On obj.* only, so the ban lurker clears matching objects in the
        # background instead of each lookup testing every ban.
        ban("obj.http.Surrogate-Key ~ " + req.http.X-Purge-Keys);
        return (synth(200, "Banned."));
    }
}

sub vcl_backend_response {
    if (!beresp.http.Surrogate-Key && beresp.http.Cache-Control !~ "immutable") {
        # Not a page cheeseshop marked (sign-in, uploads, web pages): never shared.
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
