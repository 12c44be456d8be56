package dev.ferry.admin.cli;

import picocli.CommandLine.Option;

/** The shadow flag, named as the routers name it. */
final class ShadowFlagOption {
    @Option(
            names = "--shadow-flag",
            paramLabel = "NAME",
            defaultValue = "${env:FLAGS_ADMIN_SHADOW_FLAG:-ferry.shadow}",
            description = "the shadow flag listing the tenants whose reads are shadowed, as the routers' shadow.flag"
                    + " (default: ${DEFAULT-VALUE}; env FLAGS_ADMIN_SHADOW_FLAG)")
    String name;
}
