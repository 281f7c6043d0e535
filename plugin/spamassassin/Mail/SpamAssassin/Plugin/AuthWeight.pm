# <@LICENSE>
# Copyright (c) 2026, the authweight authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
# </@LICENSE>

=head1 NAME

Mail::SpamAssassin::Plugin::AuthWeight - weigh what email authentication proves

=head1 SYNOPSIS

  loadplugin Mail::SpamAssassin::Plugin::AuthWeight

  authweight_whitelist        friend@example.org @partner.example
  authweight_protected_domains paypal.com
  authweight_trust_budget     6

=head1 DESCRIPTION

authweight weighs TLS, SPF, Sender ID, DKIM, DMARC alignment and
authenticated whitelists as bounded evidence, never as an automatic pass
(https://authweight.invalid, doc/spamassassin.md). Every check runs in
libauthweight, the project's C library, called through FFI::Platypus; this
module only wires it into SpamAssassin:

=over 4

=item * settings: one directive per key of the library's configuration
schema, C<authweight_> + the key (nested keys joined by C<_>); lists may be
repeated and take several space-separated values. The library checks them;
C<spamassassin --lint> reports a bad value with its directive's name.

=item * facts: the client IP, HELO and reverse DNS of the first untrusted
relay, the envelope sender, TLS from that relay's Received header, and the
raw message.

=item * DNS: the library's queries go out through SpamAssassin's
asynchronous resolver (C<dns_server> is honoured), in rounds; an answer
that does not come in time is a temporary failure, never a fail.

=item * rules: every AUTHW_* rule of authweight.cf is hit from the verdict.
After every other rule (C<check_end>), the trust budget caps the negative
weight of authweight's authentication rules and of
C<authweight_trust_symbols> (SpamAssassin's welcomelist, SPF, DKIM, DMARC
and ARC rules by default): AUTHW_TRUST_CAP gives the excess back, and the
spam/ham decision is taken again.

=back

=cut

package Mail::SpamAssassin::Plugin::AuthWeight;

use strict;
use warnings;
use re 'taint';

use Mail::SpamAssassin::Plugin;
use Mail::SpamAssassin::Logger;
use FFI::Platypus 2.00;
use FFI::Platypus::Buffer qw(buffer_to_scalar);
use JSON::PP ();

our @ISA = qw(Mail::SpamAssassin::Plugin);

# ---- libauthweight through its C ABI (authweight.h) -------------------------

my $ffi = FFI::Platypus->new(api => 2, lib => [$ENV{AUTHWEIGHT_LIBRARY} || 'libauthweight.so.0']);
$ffi->attach([authweight_strerror => '_strerror'] => ['int'] => 'string');
$ffi->attach([authweight_version => '_version'] => [] => 'string');
$ffi->attach([authweight_schema_json => '_schema_json'] => [] => 'string');
$ffi->attach([authweight_free => '_free'] => ['opaque'] => 'void');
$ffi->attach([authweight_ctx_new => '_ctx_new'] => ['string', 'size_t', 'opaque*', 'opaque*'] => 'int');
$ffi->attach([authweight_ctx_free => '_ctx_free'] => ['opaque'] => 'void');
$ffi->attach([authweight_eval_new => '_eval_new'] =>
    ['opaque', 'string', 'size_t', 'string', 'size_t', 'opaque*', 'opaque*'] => 'int');
$ffi->attach([authweight_eval_free => '_eval_free'] => ['opaque'] => 'void');
$ffi->attach([authweight_eval_step => '_eval_step'] => ['opaque'] => 'int');
$ffi->attach([authweight_eval_query_count => '_query_count'] => ['opaque'] => 'size_t');
$ffi->attach([authweight_eval_query => '_query'] => ['opaque', 'size_t', 'opaque*', 'opaque*'] => 'int');
$ffi->attach([authweight_eval_answer => '_eval_answer'] =>
    ['opaque', 'string', 'string', 'string', 'string[]', 'size_t'] => 'int');
$ffi->attach([authweight_eval_authentication_results => '_auth_results'] => ['opaque', 'opaque*'] => 'int');
$ffi->attach([authweight_eval_symbol_count => '_symbol_count'] => ['opaque'] => 'size_t');
$ffi->attach([authweight_eval_symbol => '_symbol'] =>
    ['opaque', 'size_t', 'opaque*', 'double*', 'opaque*', 'size_t*'] => 'int');
$ffi->attach([authweight_eval_summary => '_summary'] => ['opaque', 'double*', 'int*', 'int*'] => 'int');
$ffi->attach([authweight_ctx_unauth_strict => '_ctx_unauth_strict'] =>
    ['opaque', 'string[]', 'double[]', 'size_t', 'int', 'int', 'double*'] => 'int');
$ffi->attach([authweight_ctx_trust_decision => '_trust_decision'] =>
    ['opaque', 'string[]', 'double[]', 'string[]', 'size_t', 'double', 'double*', 'opaque*'] => 'int');
$ffi->attach([authweight_symbols_json => '_symbols_json'] => ['opaque*', 'size_t*'] => 'int');
$ffi->attach([authweight_ctx_rep_backend => '_rep_backend'] => ['opaque'] => 'string');
$ffi->attach([authweight_rep_open => '_rep_open'] => ['opaque', 'string', 'int', 'opaque*', 'opaque*'] => 'int');
$ffi->attach([authweight_rep_free => '_rep_free'] => ['opaque'] => 'void');
$ffi->attach([authweight_rep_learn => '_rep_learn'] =>
    ['opaque', 'string[]', 'size_t', 'string', 'sint64', 'int', 'opaque*'] => 'int');
$ffi->attach([authweight_eval_use_store => '_use_store'] => ['opaque', 'opaque', 'sint64'] => 'int');
$ffi->attach([authweight_eval_reputation_error => '_reputation_error'] => ['opaque'] => 'string');
$ffi->attach([authweight_eval_identity_count => '_identity_count'] => ['opaque'] => 'size_t');
$ffi->attach([authweight_eval_identity => '_identity'] => ['opaque', 'size_t', 'opaque*'] => 'int');

use constant { AW_OK => 0, AW_NEED_DNS => 1 };
# SpamAssassin has no reject action: veto_score = true then means the
# library's 15 (a NaN threshold, authweight.h).
use constant NO_REJECT_ACTION => 9**9**9 / 9**9**9;

# A library string (NUL-terminated, owned by the library).
sub _string { my ($p) = @_; return defined $p ? $ffi->cast('opaque' => 'string', $p) : undef }

# A string the library allocated for us: read, then freed.
sub _take { my ($p) = @_; return undef unless $p; my $s = _string($p); _free($p); return $s }

my $json = JSON::PP->new->canonical->allow_nonref;

# The contract's symbols, with their default scores.
my @SYMBOLS = do {
  my ($p, $len);
  _symbols_json(\$p, \$len) == AW_OK or die "authweight: cannot read the symbol list\n";
  my $list = $json->decode(buffer_to_scalar($p, $len));
  _free($p);
  @$list;
};
my %DEFAULT_SCORE = map { ($_->{name} => $_->{score}) } @SYMBOLS;
my %DYNAMIC = map { ($_->{name} => 1) } grep { $_->{dynamic} } @SYMBOLS;

# SpamAssassin's own authentication and welcomelist rules: their negative
# weight counts against the trust budget (DESIGN principle 5).
my @SA_TRUST_SYMBOLS = qw(USER_IN_WELCOMELIST USER_IN_DEF_WELCOMELIST USER_IN_SPF_WELCOMELIST
  USER_IN_DKIM_WELCOMELIST USER_IN_DEF_SPF_WL USER_IN_DEF_DKIM_WL SPF_PASS SPF_HELO_PASS
  DKIM_VALID DKIM_VALID_AU DKIM_VALID_EF DMARC_PASS ARC_VALID);
# Rules after which no authentication bonus stands: known phishing and
# malware URLs, and the usual antivirus plugins' rules.
my @SA_VETO_SYMBOLS = qw(URI_PHISHING URIBL_DBL_PHISH URIBL_DBL_MALWARE URIBL_BLACK CLAMAV*);

my $MAX_QUERIES = 64;   # DNS questions per message

# ---- settings -----------------------------------------------------------------

sub new {
  my ($class, $mailsa) = @_;
  $class = ref($class) || $class;
  my $self = $class->SUPER::new($mailsa);
  bless($self, $class);
  $self->{schema} = $json->decode(_schema_json());
  $self->register_eval_rule('check_authweight', $Mail::SpamAssassin::Conf::TYPE_HEAD_EVALS);
  $self->_register_directives($mailsa->{conf});
  return $self;
}

# One directive per schema key: authweight_KEY, authweight_KEY_SUBKEY for
# objects. The value is kept as written; the library checks it.
sub _register_directives {
  my ($self, $conf) = @_;
  my @cmds;
  my $walk;
  $walk = sub {
    my ($props, @path) = @_;
    for my $key (sort keys %$props) {
      my $p = $props->{$key};
      my $type = $p->{type} // '';
      if ($type eq 'object') {
        $walk->($p->{properties} || {}, @path, $key);
        next;
      }
      my @at = (@path, $key);
      push @cmds, {
        setting => join('_', 'authweight', @at),
        is_admin => 1,
        type => $Mail::SpamAssassin::Conf::CONF_TYPE_STRING,
        code => sub {
          my ($c, $name, $value) = @_;
          return $Mail::SpamAssassin::Conf::MISSING_REQUIRED_VALUE if !defined $value || $value eq '';
          my $set = $c->{authweight_settings} ||= {};
          if ($type eq 'array') {
            push @{$set->{join("\0", @at)} ||= []}, _words($value);
          } else {
            $set->{join("\0", @at)} = _scalar_value($type, $value);
          }
          return;
        },
      };
    }
  };
  $walk->($self->{schema}{properties});
  $conf->{parser}->register_commands(\@cmds);
}

# A list directive's values: words, or "quoted words" for a value with
# spaces (authweight_protected_names "Example Bank" PayPal).
sub _words {
  my ($value) = @_;
  my @words;
  push @words, defined $1 ? $1 : $2 while $value =~ /\G\s*(?:"([^"]*)"|([^\s"]+))/gc;
  return @words;
}

# A directive's value as JSON wants it: numbers and booleans as such, the
# rest as a string (the library reports a wrong type by the key's name).
sub _scalar_value {
  my ($type, $value) = @_;
  my @types = ref $type ? @$type : ($type);
  my %want = map { ($_ => 1) } @types;
  if (($want{number} || $want{integer}) && $value =~ /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\z/) {
    return 0 + $value;
  }
  if ($want{boolean}) {
    return JSON::PP::true if $value =~ /^(?:1|yes|true|on)\z/i;
    return JSON::PP::false if $value =~ /^(?:0|no|false|off)\z/i;
  }
  return "$value";
}

# The configuration document from the directives given, with SpamAssassin's
# defaults where the schema's are rspamd's.
sub _config_document {
  my ($conf) = @_;
  my %doc = (trust_symbols => [@SA_TRUST_SYMBOLS], veto_symbols => [@SA_VETO_SYMBOLS]);
  # Reputation in an LMDB file where Debian's spamd (debian-spamd) writes.
  $doc{reputation} = { lmdb_path => '/var/lib/spamassassin/authweight-reputation.mdb' };
  my $set = $conf->{authweight_settings} || {};
  for my $path (sort keys %$set) {
    my @at = split /\0/, $path;
    my $node = \%doc;
    $node = $node->{$_} ||= {} for @at[0 .. $#at - 1];
    $node->{$at[-1]} = $set->{$path};
  }
  return \%doc;
}

sub finish_parsing_end {
  my ($self, $opts) = @_;
  my $conf = $opts->{conf};
  _rep_free($self->{rep}) if $self->{rep};
  _ctx_free($self->{ctx}) if $self->{ctx};
  delete $self->{rep};
  delete $self->{ctx};
  my $doc = $json->encode(_config_document($conf));
  my ($ctx, $err);
  my $rc = _ctx_new($doc, length($doc), \$ctx, \$err);
  if ($rc != AW_OK) {
    my $msg = _take($err) // _strerror($rc);
    # The library names the JSON key; the admin wrote the directive.
    $msg =~ s/'([a-z_]+(?:\.[a-z_]+)*)'/"'authweight_" . join('_', split(m{\.}, $1)) . "'"/ge;
    $conf->{parser}->lint_warn("config: authweight: invalid setting: $msg; authweight is disabled");
    return;
  }
  $self->{ctx} = $ctx;
  my $backend = _rep_backend($ctx) // 'none';
  if ($backend eq 'lmdb') {
    # Opened on first use, and again in each spamd child (LMDB handles do
    # not survive a fork).
    my ($rep, $rerr);
    $rc = _rep_open($ctx, undef, 0, \$rep, \$rerr);
    if ($rc != AW_OK) {
      $conf->{parser}->lint_warn("config: authweight: reputation store: " . (_take($rerr) // _strerror($rc)));
    } else {
      $self->{rep} = $rep;
    }
  } elsif ($backend ne 'none') {
    $conf->{parser}->lint_warn("config: authweight: 'authweight_reputation_backend' $backend is not "
      . "available in SpamAssassin; use lmdb or none");
  }
  # The scores as configured, before any message: got_hit copies the
  # dynamic scores of one message into the config.
  $self->{scores} = { map { ($_ => $conf->{scores}->{$_} // 0) } keys %DEFAULT_SCORE };
  dbg("authweight: libauthweight %s ready", _version());
  return;
}

sub DESTROY {
  my ($self) = @_;
  _rep_free($self->{rep}) if $self->{rep};
  _ctx_free($self->{ctx}) if $self->{ctx};
}

# ---- facts from the message ----------------------------------------------------

# TLS from the Received header the first untrusted relay's receiver wrote:
# Postfix's "(using TLSv1.3 with cipher ...)", Sendmail's "(version=TLSv1.3
# cipher=...)", or an ESMTPS/ESMTPSA protocol.
sub _tls_from_received {
  my ($pms, $ip) = @_;
  return () unless defined $ip && $ip ne '';
  for my $rcvd ($pms->{msg}->get_header('Received')) {
    next unless index($rcvd, "[$ip]") >= 0 || index($rcvd, "($ip)") >= 0;
    $rcvd =~ s/\s+/ /g;
    return ($1, $2) if $rcvd =~ /\(using (TLSv?[\d.]+|SSLv3) with cipher ([A-Za-z0-9_-]+)/;
    return ($1, $2) if $rcvd =~ /\(version=(TLSv?[\d._]+)\s+cipher=([A-Za-z0-9_-]+)/;
    return ('TLS', undef) if $rcvd =~ /\bwith (?:UTF8)?ESMTPSA?\b/i;
    return ();
  }
  return ();
}

# The client: the first untrusted relay; for a submission with SMTP AUTH,
# which SpamAssassin trusts, the authenticated one.
sub _client_relay {
  my ($pms) = @_;
  return $pms->{relays_untrusted}->[0] // (grep { $_->{auth} } @{$pms->{relays_trusted} || []})[-1];
}

sub _facts {
  my ($pms) = @_;
  my %facts;
  my $relay = _client_relay($pms);
  if ($relay) {
    $facts{ip} = $relay->{ip} if $relay->{ip};
    my $helo = $relay->{helo} // '';
    # The relay parser writes the brackets of an address literal as '!'.
    $helo =~ s/^!((?:IPv6:)?[0-9A-Fa-f.:]+)!\z/[$1]/;
    $facts{helo} = $helo if $helo ne '';
    $facts{hostname} = $relay->{rdns} if defined $relay->{rdns} && $relay->{rdns} ne '';
    $facts{user} = 'authenticated' if $relay->{auth};
    my ($version, $cipher) = _tls_from_received($pms, $relay->{ip});
    if ($version) {
      $facts{tls_version} = $version;
      $facts{tls_cipher} = $cipher if $cipher;
      $facts{tls_source} = 'received';
    }
  }
  my $envfrom = $pms->get('EnvelopeFrom:addr', undef);
  $facts{mail_from} = $envfrom if defined $envfrom;
  return \%facts;
}

# ---- the evaluation and its DNS rounds ---------------------------------------------

# Started once the message's metadata is known, so the first round of
# queries goes out with SpamAssassin's own network tests.
sub parsed_metadata {
  my ($self, $opts) = @_;
  my $pms = $opts->{permsgstatus};
  return unless $self->{ctx};
  my $facts = $json->encode(_facts($pms));
  my $message = $pms->{msg}->get_pristine();
  my ($ev, $err);
  my $rc = _eval_new($self->{ctx}, $facts, length($facts), $message, length($message), \$ev, \$err);
  if ($rc != AW_OK) {
    my $msg = _take($err) // _strerror($rc);
    info("authweight: message not evaluated: %s", substr($msg, 0, 300));
    return;
  }
  # The identities' counts are read in the step that finishes the checks.
  _use_store($ev, $self->{rep}, time) if $self->{rep};
  $pms->{authweight} = { ev => $ev, round => 0, sent => 0, pending => 0, done => 0 };
  $self->_continue($pms);
  return;
}

# Step the evaluation; send the queries it lacks, or finish.
sub _continue {
  my ($self, $pms) = @_;
  my $st = $pms->{authweight};
  return if !$st || $st->{done};
  my $rounds = $self->_config_value('max_dns_rounds') // 20;
  for (1 .. $rounds + 2) {
    my $rc = _eval_step($st->{ev});
    return $self->_finish($pms) if $rc == AW_OK;
    if ($rc != AW_NEED_DNS) {
      info("authweight: evaluation failed: %s", _strerror($rc));
      return $self->_abandon($pms);
    }
    $st->{round}++;
    my $round = $st->{round};
    my @queries;
    for my $i (0 .. _query_count($st->{ev}) - 1) {
      my ($name, $type);
      next if _query($st->{ev}, $i, \$name, \$type) != AW_OK;
      push @queries, [_string($name), _string($type)];
    }
    $st->{pending} = 0;
    # A lookup SpamAssassin already has may call back at once: the round
    # continues only once every query of it is out.
    $st->{launching} = 1;
    for my $q (@queries) {
      my ($name, $type) = @$q;
      my $sent;
      if ($st->{sent} < $MAX_QUERIES && $pms->is_dns_available()) {
        $st->{sent}++;
        $st->{pending}++;
        $sent = $pms->{async}->bgsend_and_start_lookup($name, $type, undef,
          { rulename => 'AUTHWEIGHT', type => 'AuthWeight', key => "authweight:$type:$name" },
          sub {
            my ($ent, $pkt) = @_;
            return if $st->{done} || $st->{round} != $round;
            $self->_answer_packet($st, $name, $type, $pkt);
            $self->_continue($pms) if --$st->{pending} == 0 && !$st->{launching};
          },
          master_deadline => $pms->{master_deadline});
        $st->{pending}-- if !$sent;
      }
      _answer_status($st, $name, $type, 'tempfail') if !$sent;
    }
    $st->{launching} = 0;
    return if $st->{pending} > 0;
  }
  info("authweight: no verdict within the round limit");
  return $self->_abandon($pms);
}

sub _answer_status {
  my ($st, $name, $type, $status, @records) = @_;
  _eval_answer($st->{ev}, $name, $type, $status, \@records, scalar @records);
}

# A resolver answer in the library's words. No packet (a timeout, an
# aborted lookup) and SERVFAIL are temporary failures, never a fail.
sub _answer_packet {
  my ($self, $st, $name, $type, $pkt) = @_;
  return _answer_status($st, $name, $type, 'tempfail') if !$pkt;
  my $rcode = uc($pkt->header->rcode);
  return _answer_status($st, $name, $type, 'nxdomain') if $rcode eq 'NXDOMAIN';
  return _answer_status($st, $name, $type, 'tempfail') if $rcode ne 'NOERROR';
  my @records;
  for my $rr ($pkt->answer) {
    next unless uc($rr->type) eq uc($type);
    if ($type eq 'A' || $type eq 'AAAA') {
      push @records, $rr->address;
    } elsif ($type eq 'MX') {
      push @records, $rr->preference . ' ' . $rr->exchange;
    } elsif ($type eq 'TXT') {
      push @records, join('', $rr->txtdata);
    } elsif ($type eq 'PTR') {
      push @records, $rr->ptrdname;
    } elsif ($type eq 'CNAME') {
      push @records, $rr->cname;
    }
  }
  return _answer_status($st, $name, $type, @records ? 'ok' : 'nodata', @records);
}

# After SpamAssassin's network tests: what is still missing is a temporary
# failure, and the evaluation ends now.
sub check_post_dnsbl {
  my ($self, $opts) = @_;
  my $pms = $opts->{permsgstatus};
  my $st = $pms->{authweight};
  return if !$st || $st->{done};
  for (1 .. ($self->_config_value('max_dns_rounds') // 20) + 2) {
    last if $st->{done};
    my $rc = _eval_step($st->{ev});
    return $self->_finish($pms) if $rc == AW_OK;
    return $self->_abandon($pms) if $rc != AW_NEED_DNS;
    $st->{round}++;
    for my $i (0 .. _query_count($st->{ev}) - 1) {
      my ($name, $type);
      next if _query($st->{ev}, $i, \$name, \$type) != AW_OK;
      _answer_status($st, _string($name), _string($type), 'tempfail');
    }
  }
  return $self->_abandon($pms) if !$st->{done};
}

sub _config_value {
  my ($self, $key) = @_;
  my $v = $self->{main}->{conf}->{authweight_settings}->{$key};
  return defined $v && !ref $v && $v =~ /^\d+\z/ ? $v : undef;
}

sub _abandon {
  my ($self, $pms) = @_;
  my $st = $pms->{authweight};
  $st->{done} = 1;
  _eval_free($st->{ev}) if $st->{ev};
  $st->{ev} = undef;
  $pms->rule_ready($_) for keys %DEFAULT_SCORE;
  return;
}

# The verdict into rule hits. A symbol's weight is its score over the
# contract default (the policy scales AUTHW_REP_* by a share), applied to
# the score the admin configured.
sub _finish {
  my ($self, $pms) = @_;
  my $st = $pms->{authweight};
  $st->{done} = 1;
  my $ev = $st->{ev};
  my ($score, $aligned, $rounds);
  $st->{aligned} = $aligned if _summary($ev, \$score, \$aligned, \$rounds) == AW_OK;
  my %hit;
  for my $i (0 .. _symbol_count($ev) - 1) {
    my ($name_p, $score, $reason_p, $noptions);
    next if _symbol($ev, $i, \$name_p, \$score, \$reason_p, \$noptions) != AW_OK;
    my $name = _string($name_p);
    next if $DYNAMIC{$name};   # the budget is applied over the whole message
    my $default = $DEFAULT_SCORE{$name} // 0;
    my $configured = $self->{scores}->{$name} // 0;
    my $weight = $default != 0 ? $score / $default : 1;
    my $final = $configured * $weight;
    push @{$st->{reasons}}, "$name: " . _string($reason_p);
    next if !$final;
    $hit{$name} = 1;
    $pms->got_hit($name, '', ruletype => 'eval', score => $final + 0);
  }
  my $ar;
  $pms->set_tag('AUTHWEIGHTAR', _string($ar)) if _auth_results($ev, \$ar) == AW_OK && $ar;
  # The identities learn SpamAssassin's verdict once it is final (check_end).
  for my $i (0 .. _identity_count($ev) - 1) {
    my $id;
    push @{$st->{identities}}, _string($id) if _identity($ev, $i, \$id) == AW_OK;
  }
  if (defined(my $why = _reputation_error($ev))) {
    info("authweight: reputation not read: %s", $why);
  }
  $pms->set_tag('AUTHWEIGHT', join('; ', @{$st->{reasons} || []}));
  _eval_free($ev);
  $st->{ev} = undef;
  $pms->rule_ready($_) for grep { !$hit{$_} } keys %DEFAULT_SCORE;
  return;
}

# An evaluation SpamAssassin never let finish (a short-circuit, a time
# limit, an error in another plugin) is freed with the message.
sub per_msg_finish {
  my ($self, $opts) = @_;
  my $st = $opts->{permsgstatus}->{authweight};
  if ($st && $st->{ev}) {
    _eval_free($st->{ev});
    $st->{ev} = undef;
    $st->{done} = 1;
  }
  return;
}

# The AUTHW_* rules: hit from the verdict, so the eval only says "later".
sub check_authweight {
  my ($self, $pms) = @_;
  return $pms->{authweight} ? undef : 0;
}

# ---- the trust budget, after every other rule ------------------------------------

sub check_end {
  my ($self, $opts) = @_;
  my $pms = $opts->{permsgstatus};
  return unless $self->{ctx};
  my $stricter = $self->_unauth_strict($pms);
  my $capped = $self->_trust_budget($pms);
  if ($stricter || $capped) {
    # The decision is SpamAssassin's, taken again on the final score.
    $pms->{score} = (sprintf "%0.3f", $pms->{score}) + 0;
    $pms->{is_spam} = $pms->is_spam();
  }
  $self->_learn($pms);
  return;
}

# Aggressive mode (authweight_unauthenticated_multiplier): extra weight on
# the content score of mail without aligned authentication, over every
# rule that hit. The library decides (0 when off, aligned, or SMTP AUTH).
sub _unauth_strict {
  my ($self, $pms) = @_;
  my $st = $pms->{authweight};
  return 0 unless $st && defined $st->{aligned};
  my $hits = $pms->get_names_of_tests_hit_with_scores_hash();
  my @names = grep { !$DYNAMIC{$_} && ($hits->{$_} || 0) > 0 } sort keys %$hits;
  return 0 unless @names;
  my @scores = map { 0 + $hits->{$_} } @names;
  my $relay = _client_relay($pms);
  my $extra = 0;
  my $rc = _ctx_unauth_strict($self->{ctx}, \@names, \@scores, scalar @names, $st->{aligned},
    ($relay && $relay->{auth}) ? 1 : 0, \$extra);
  return 0 if $rc != AW_OK || $extra <= 0;
  $pms->got_hit('AUTHW_UNAUTH_STRICT', '', ruletype => 'eval', score => $extra + 0);
  return 1;
}

sub _trust_budget {
  my ($self, $pms) = @_;
  my $hits = $pms->get_names_of_tests_hit_with_scores_hash();
  my @names = grep { !$DYNAMIC{$_} && ($hits->{$_} || 0) != 0 } sort keys %$hits;
  return 0 unless grep { $hits->{$_} < 0 } @names;
  my @scores = map { 0 + $hits->{$_} } @names;
  my ($cap, $veto) = (0, undef);
  my $rc = _trust_decision($self->{ctx}, \@names, \@scores, [(undef) x @names], scalar @names,
    NO_REJECT_ACTION, \$cap, \$veto);
  if ($rc != AW_OK) {
    info("authweight: trust budget not applied: %s", _strerror($rc));
    return 0;
  }
  $veto = _take($veto);
  return 0 unless $cap > 0;
  $pms->got_hit('AUTHW_TRUST_CAP', '', ruletype => 'eval', score => $cap + 0);
  $pms->set_tag('AUTHWEIGHTVETO', $veto) if $veto;
  return 1;
}

# The message's authenticated identities learn SpamAssassin's final
# verdict, as rspamd's actions teach them: spam as "reject", ham as "no
# action" (authweight_reputation_actions_* weigh them).
sub _learn {
  my ($self, $pms) = @_;
  my $st = $pms->{authweight};
  return unless $self->{rep} && $st && $st->{identities} && @{$st->{identities}};
  my @ids = @{$st->{identities}};
  my $verdict = $pms->{is_spam} ? 'reject' : 'no action';
  my $err;
  my $rc = _rep_learn($self->{rep}, \@ids, scalar @ids, $verdict, time, 0, \$err);
  if ($rc != AW_OK) {
    info("authweight: reputation not learned: %s", _take($err) // _strerror($rc));
    return;
  }
  dbg("authweight: %s learned %s", join(', ', @ids), $verdict);
  return;
}

1;
