package dev.slipway.router;

/** The routing table as JSON for {@code GET /routes}; written by hand to keep this module free of Jackson. */
final class RouteTableJson {

    private RouteTableJson() {
    }

    static String render(RouteTable table) {
        StringBuilder json = new StringBuilder(256).append("{\"backends\":[");
        for (int i = 0; i < table.backends().size(); i++) {
            Backend backend = table.backends().get(i);
            json.append(i == 0 ? "" : ",").append("{\"revision\":").append(quote(backend.revision()))
                    .append(",\"weight\":").append(backend.weight()).append(",\"endpoints\":[");
            for (int j = 0; j < backend.endpoints().size(); j++) {
                json.append(j == 0 ? "" : ",").append(quote(backend.endpoints().get(j).toString()));
            }
            json.append("]}");
        }
        json.append("],\"headerRoutes\":[");
        for (int i = 0; i < table.headerRoutes().size(); i++) {
            HeaderRoute route = table.headerRoutes().get(i);
            json.append(i == 0 ? "" : ",").append("{\"name\":").append(quote(route.name()))
                    .append(",\"value\":").append(quote(route.value()))
                    .append(",\"revision\":").append(quote(route.revision())).append('}');
        }
        return json.append("]}").toString();
    }

    static String quote(String value) {
        StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
