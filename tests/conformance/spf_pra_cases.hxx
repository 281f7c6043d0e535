// The Purported Responsible Address (RFC 4407 section 2): one case per rule,
// each naming the step of section 2 it exercises. `want` is the PRA, or
// "(none)" when step 6 says the message is ill-formed. Shared by the unit
// test (tests/core/test_senderid.cxx) and the conformance runner.
#pragma once

namespace authweight::spf_test {

struct pra_case {
    const char *name;
    const char *section;
    const char *headers;
    const char *want;
};

inline constexpr pra_case pra_cases[] = {
    {"resent-sender", "2 step 1",
     "Resent-Sender: rs@resender.example\r\nResent-From: rf@resent.example\r\nSender: s@sender.example\r\n"
     "From: f@author.example\r\n\r\n",
     "rs@resender.example"},
    {"resent-sender-same-block", "2 step 1",
     "Resent-From: rf@resent.example\r\nResent-Sender: rs@resender.example\r\nReceived: from a by b; "
     "Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: f@author.example\r\n\r\n",
     "rs@resender.example"},
    {"resent-blocks-split-by-received", "2 step 1 (to step 2)",
     "Resent-From: rf@resent.example\r\nReceived: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
     "Resent-Sender: rs@resender.example\r\nFrom: f@author.example\r\n\r\n",
     "rf@resent.example"},
    {"resent-blocks-split-by-return-path", "2 step 1 (to step 2)",
     "Resent-From: rf@resent.example\r\nReturn-Path: <bounce@resent.example>\r\n"
     "Resent-Sender: rs@resender.example\r\nFrom: f@author.example\r\n\r\n",
     "rf@resent.example"},
    {"empty-resent-sender-ignored", "2 (non-empty headers only), step 1",
     "Resent-Sender:   \r\nSender: s@sender.example\r\nFrom: f@author.example\r\n\r\n", "s@sender.example"},
    {"resent-sender-malformed", "2 step 1, step 5 (to step 6)",
     "Resent-Sender: a@one.example, b@two.example\r\nFrom: f@author.example\r\n\r\n", "(none)"},
    {"resent-from", "2 step 2",
     "Resent-From: rf@resent.example\r\nSender: s@sender.example\r\nFrom: f@author.example\r\n\r\n",
     "rf@resent.example"},
    {"first-resent-from", "2 step 2",
     "Resent-From: first@resent.example\r\nReceived: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
     "Resent-From: second@resent.example\r\nFrom: f@author.example\r\n\r\n",
     "first@resent.example"},
    {"sender", "2 step 3", "Sender: s@sender.example\r\nFrom: f@author.example\r\n\r\n", "s@sender.example"},
    {"several-senders", "2 step 3 (to step 6)",
     "Sender: a@sender.example\r\nSender: b@sender.example\r\nFrom: f@author.example\r\n\r\n", "(none)"},
    {"empty-sender-ignored", "2 (non-empty headers only), step 3",
     "Sender: \r\nFrom: f@author.example\r\n\r\n", "f@author.example"},
    {"from", "2 step 4", "From: Author <f@author.example>\r\nSubject: hi\r\n\r\n", "f@author.example"},
    {"several-froms", "2 step 4 (to step 6)", "From: a@author.example\r\nFrom: b@author.example\r\n\r\n", "(none)"},
    {"no-from", "2 step 4 (to step 6)", "Subject: nobody sent this\r\n\r\n", "(none)"},
    {"several-mailboxes", "2 step 5 (to step 6)", "From: a@one.example, b@two.example\r\n\r\n", "(none)"},
    {"hopelessly-malformed", "2 step 5 (to step 6)", "Sender: <<<@>>>\r\nFrom: f@author.example\r\n\r\n",
     "(none)"},
    {"mailbox-without-domain", "2 step 5 (to step 6)", "From: undisclosed-recipients:;\r\n\r\n", "(none)"},
};

} // namespace authweight::spf_test
