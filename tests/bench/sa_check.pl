#!/usr/bin/perl
# Check messages through one Mail::SpamAssassin object, as a spamd child
# does, for tests/bench/spamassassin_callgrind.sh: the object made as
# spamd makes it (Debian's rules, the site configuration SITE_DIR, no user
# preferences), compile_now as spamd does before it forks, then each
# MESSAGE parsed, checked and finished in turn. Writes one line a message
# to RESULTS: the file's name, the score, the rules hit (sorted) and, with
# the authweight plugin, its DNS rounds and queries sent.
#
#   sa_check.pl SITE_DIR RESULTS [MESSAGE ...]
use strict;
use warnings;
use File::Basename qw(basename);
use Mail::SpamAssassin;

my ($site, $results, @messages) = @ARGV;
die "usage: $0 SITE_DIR RESULTS [MESSAGE ...]\n" unless defined $results;

my $sa = Mail::SpamAssassin->new({
  dont_copy_prefs => 1,
  rules_filename => 0,
  site_rules_filename => $site,
  require_rules => 1,
  PREFIX => '/usr',
  DEF_RULES_DIR => '/usr/share/spamassassin',
  LOCAL_RULES_DIR => '/etc/spamassassin',
  LOCAL_STATE_DIR => '/var/lib/spamassassin',
});
$sa->compile_now(0, 1);

# Read every message before the first is checked: what is counted is the
# checks, not the reading.
my @texts = map {
  open(my $fh, '<', $_) or die "$_: $!\n";
  local $/;
  my $text = <$fh>;
  close $fh;
  [basename($_), $text];
} @messages;

open(my $out, '>', $results) or die "$results: $!\n";
for my $m (@texts) {
  my ($name, $text) = @$m;
  my $mail = $sa->parse($text);
  my $status = $sa->check($mail);
  my $aw = $status->{authweight};
  printf $out "%s %s %s%s\n", $name, $status->get_score(),
    join(',', sort split /,/, $status->get_names_of_tests_hit()),
    $aw ? " rounds=$aw->{round} sent=$aw->{sent}" : '';
  $status->finish();
  $mail->finish();
}
close $out or die "$results: $!\n";
