#!/usr/bin/perl
# The lab's stand-in for `promtool push metrics`, which Debian's promtool 2.42 lacks (the release the
# lab builds its collector from) and the pinned release (3.13.1) has. Same contract as upstream's
# cmd/promtool + util/fmtutil, as far as the back-filler uses it: text exposition files with a
# timestamp on every line (kept as given), --label pairs added to every sample, --http.config.file
# with basic_auth (password_file) and tls_config.ca_file, one remote-write request per file, exit 1
# when the receiver does not answer 2xx. The request is a prometheus.WriteRequest (protobuf), snappy
# framed as one literal (valid snappy, just not compressed); curl does TLS and basic auth, reading
# the credentials from its stdin, so no secret is on a command line. Runs on perl-base (Debian's
# Essential set), nothing else.
use strict;
use warnings;

my ($config, $timeout, @labels, @rest) = ('', 30);
for my $a (@ARGV) {
    if ($a =~ /^--http\.config\.file=(.*)$/) { $config = $1 }
    elsif ($a =~ /^--label=([^=]+)=(.*)$/) { push @labels, [$1, $2] }
    elsif ($a =~ /^--timeout=(\d+)s$/) { $timeout = $1 }
    elsif ($a eq 'push' || $a eq 'metrics') { }
    elsif ($a =~ /^--/) { die "promtool (lab): unsupported flag $a\n" }
    else { push @rest, $a }
}
my ($url, @files) = @rest;
die "promtool (lab): usage: promtool push [--http.config.file=F] metrics [--label=k=v]... URL FILE...\n" unless $url && @files;
@labels = (['job', 'promtool']) unless @labels;

my %http;
if ($config) {
    open my $c, '<', $config or die "promtool (lab): $config: $!\n";
    while (<$c>) { $http{$1} = $2 if /^\s*(username|password_file|ca_file|server_name):\s*"?([^"\n]*)"?\s*$/ }
}

sub varint { my $n = shift; my $o = ''; while ($n >= 0x80) { $o .= chr(($n & 0x7f) | 0x80); $n >>= 7 } $o . chr($n) }
sub field { my ($num, $bytes) = @_; chr(($num << 3) | 2) . varint(length $bytes) . $bytes }
sub unescape { my $v = shift; $v =~ s/\\(["\\n])/$1 eq 'n' ? "\n" : $1/ge; $v }

my $status = 0;
for my $file (@files) {
    my $body = '';
    open my $in, '<', $file or die "promtool (lab): $file: $!\n";
    while (my $line = <$in>) {
        next if $line =~ /^\s*(#|$)/;
        $line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)\s+(-?\d+)\s*$/ or die "promtool (lab): $file: not a sample with a timestamp: $line";
        my ($name, $labeltext, $value, $ts) = ($1, $2 // '', $3, $4);
        my %set = (__name__ => $name);
        while ($labeltext =~ /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) { my ($k, $v) = ($1, unescape($2)); $set{$k eq 'job' ? 'exported_job' : $k} = $v }
        $set{$_->[0]} = $_->[1] for @labels;
        my $series = join '', map { field(1, field(1, $_) . field(2, $set{$_})) } sort keys %set;
        my $v = $value eq 'NaN' ? 9**9**9 / 9**9**9 : $value eq '+Inf' ? 9**9**9 : $value eq '-Inf' ? -9**9**9 : $value + 0;
        my $sample = chr(0x09) . pack('d<', $v) . chr(0x10) . varint($ts);
        $body .= field(1, $series . field(2, $sample));
    }
    close $in;
    my $len = length $body;
    my $snappy = $len ? varint($len) . chr(63 << 2) . pack("V", $len - 1) . $body : varint(0);
    my $tmp = "$file.request";
    open my $out, '>:raw', $tmp or die "promtool (lab): $tmp: $!\n";
    print $out $snappy;
    close $out;
    my @curl = ('curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', $timeout, '-K', '-',
        '-H', 'Content-Encoding: snappy', '-H', 'Content-Type: application/x-protobuf', '-H', 'X-Prometheus-Remote-Write-Version: 0.1.0',
        '--data-binary', "\@$tmp");
    push @curl, '--cacert', $http{ca_file} if $http{ca_file};
    push @curl, $url;
    my $auth = '';
    if ($http{username}) {
        open my $p, '<', $http{password_file} or die "promtool (lab): $http{password_file}: $!\n";
        local $/; my $password = <$p>; close $p;
        $auth = "user = \"$http{username}:$password\"\n";
    }
    my $pid = open(my $cmd, '-|') // die "promtool (lab): fork: $!\n";
    if ($pid == 0) {
        pipe(my $r, my $w) or die;
        my $child = fork() // die;
        if ($child == 0) { close $r; print $w $auth; close $w; exit 0 }
        close $w; open STDIN, '<&', $r or die; exec @curl or die "promtool (lab): curl: $!\n";
    }
    my $code = <$cmd> // '';
    close $cmd;
    unlink $tmp;
    if ($code !~ /^2\d\d$/) { print STDERR "  FAILED: remote write answered $code for $file\n"; $status = 1 }
    else { print "  SUCCESS\n" }
}
exit $status;
