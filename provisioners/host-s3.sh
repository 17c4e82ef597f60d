#!/bin/sh
# S3 access for the backup and restore scripts with nothing but curl (SigV4): the instance profile's
# temporary credentials from IMDSv2, kept in a mode-0600 curl config file, never on a command line.
# Sourced, not run. Needs: BUCKET, REGION; optional IIOTMON_S3_ENDPOINT (path-style base URL, for an
# S3-compatible server), IIOTMON_S3_ACCESS_KEY / IIOTMON_S3_SECRET_KEY (static credentials instead of
# the instance profile), and a private directory in $work.
# shellcheck disable=SC2154 # $work is set by the script that sources this file

s3_base() {
    if [ -n "${IIOTMON_S3_ENDPOINT:-}" ]; then
        printf '%s/%s' "$IIOTMON_S3_ENDPOINT" "$BUCKET"
    else
        printf 'https://s3.%s.amazonaws.com/%s' "$REGION" "$BUCKET"
    fi
}

# Writes $work/s3.curl: SigV4 signing, credentials and, for instance-profile credentials, the session token.
s3_credentials() {
    umask 077
    if [ -n "${IIOTMON_S3_ACCESS_KEY:-}" ]; then
        key=$IIOTMON_S3_ACCESS_KEY
        secret=$IIOTMON_S3_SECRET_KEY
        token=''
    else
        imds_token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)
        role=$(curl -fsS -H "X-aws-ec2-metadata-token: $imds_token" http://169.254.169.254/latest/meta-data/iam/security-credentials/)
        creds=$(curl -fsS -H "X-aws-ec2-metadata-token: $imds_token" "http://169.254.169.254/latest/meta-data/iam/security-credentials/$role")
        key=$(printf '%s' "$creds" | sed -n 's/.*"AccessKeyId" *: *"\([^"]*\)".*/\1/p')
        secret=$(printf '%s' "$creds" | sed -n 's/.*"SecretAccessKey" *: *"\([^"]*\)".*/\1/p')
        token=$(printf '%s' "$creds" | sed -n 's/.*"Token" *: *"\([^"]*\)".*/\1/p')
    fi
    {
        printf 'aws-sigv4 = "aws:amz:%s:s3"\n' "$REGION"
        printf 'user = "%s:%s"\n' "$key" "$secret"
        [ -n "$token" ] && printf 'header = "x-amz-security-token: %s"\n' "$token"
        printf 'fail-with-body\nsilent\nshow-error\nretry = 3\nconnect-timeout = 15\n'
    } >"$work/s3.curl"
    umask 022
}

# S3 wants the payload's sha256 in a signed header; for uploads it also guards the content in transit.
empty_sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

s3_put() { # local-file key
    sha=$(sha256sum "$1" | cut -d' ' -f1)
    curl -K "$work/s3.curl" -H "x-amz-content-sha256: $sha" -T "$1" "$(s3_base)/$2" -o /dev/null
}

s3_get() { # key local-file
    curl -K "$work/s3.curl" -H "x-amz-content-sha256: $empty_sha256" "$(s3_base)/$1" -o "$2"
}

# Keys under a prefix, one per line (first 1,000; backups are listed newest-last by their dated keys).
s3_list() { # prefix
    curl -K "$work/s3.curl" -H "x-amz-content-sha256: $empty_sha256" "$(s3_base)?list-type=2&prefix=$1" | tr '<' '\n' | sed -n 's/^Key>//p'
}
