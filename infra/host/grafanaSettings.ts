import { GrafanaOAuthSettings } from "../settings";

export interface GrafanaSettingsOptions {
    /** The URL people open (https); Grafana builds its links and OAuth redirect URI from it. */
    readonly rootUrl: string;
    readonly oauth?: GrafanaOAuthSettings;
    /** Sign data source requests with SigV4 (the long-term store's data source). Defaults to false. */
    readonly sigV4?: boolean;
}

/**
 * Grafana's hardening, as environment variables (GF_SECTION_KEY overrides grafana.ini): no sign-up, no
 * anonymous access, no organisation creation, cookies sent over HTTPS only, new users are Viewers, and
 * single sign-on from the settings. Holds no secret: the admin password and the OAuth client secret are
 * added by the stack as secrets.
 */
export function grafanaSettings(o: GrafanaSettingsOptions): string[] {
    const url = new URL(o.rootUrl);
    if (url.protocol !== "https:") throw new Error(`Grafana's root URL must be https, found ${o.rootUrl}`);
    const env: Record<string, string> = {
        GF_SERVER_ROOT_URL: o.rootUrl,
        GF_SERVER_DOMAIN: url.hostname,
        GF_SERVER_ENFORCE_DOMAIN: "false",
        GF_SECURITY_COOKIE_SECURE: "true",
        GF_SECURITY_COOKIE_SAMESITE: "lax",
        GF_SECURITY_DISABLE_GRAVATAR: "true",
        GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION: "false",
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_USERS_ALLOW_ORG_CREATE: "false",
        GF_USERS_AUTO_ASSIGN_ORG: "true",
        GF_USERS_AUTO_ASSIGN_ORG_ROLE: "Viewer",
        GF_AUTH_ANONYMOUS_ENABLED: "false",
        GF_AUTH_DISABLE_SIGNOUT_MENU: "false",
        GF_SNAPSHOTS_EXTERNAL_ENABLED: "false",
        GF_ANALYTICS_REPORTING_ENABLED: "false",
        GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
    };
    // "[auth] sigv4_auth_enabled", off by default: without it a SigV4 data source is sent unsigned.
    if (o.sigV4) env.GF_AUTH_SIGV4_AUTH_ENABLED = "true";
    const a = o.oauth;
    if (a) {
        Object.assign(env, {
            GF_AUTH_GENERIC_OAUTH_ENABLED: "true",
            GF_AUTH_GENERIC_OAUTH_NAME: a.name,
            GF_AUTH_GENERIC_OAUTH_CLIENT_ID: a.clientId,
            GF_AUTH_GENERIC_OAUTH_SCOPES: a.scopes,
            GF_AUTH_GENERIC_OAUTH_AUTH_URL: a.authUrl,
            GF_AUTH_GENERIC_OAUTH_TOKEN_URL: a.tokenUrl,
            ...(a.apiUrl ? { GF_AUTH_GENERIC_OAUTH_API_URL: a.apiUrl } : {}),
            GF_AUTH_GENERIC_OAUTH_USE_PKCE: "true",
            // SSO users are created on first sign-in (local sign-up stays off); their role comes from the
            // provider's claims, Viewer when the mapping gives nothing, and never Grafana server admin.
            GF_AUTH_GENERIC_OAUTH_ALLOW_SIGN_UP: "true",
            GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH: a.roleAttributePath ?? "'Viewer'",
            GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_STRICT: "false",
            GF_AUTH_GENERIC_OAUTH_SKIP_ORG_ROLE_SYNC: "false",
            GF_AUTH_GENERIC_OAUTH_ALLOW_ASSIGN_GRAFANA_ADMIN: "false",
        });
    }
    return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}
