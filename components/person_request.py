"""Marks a message that asks for a person, whatever else it says and whatever the intent.

"get me a human, the app crashes every time I log in" is a request for a person about a
technical problem; the classifier may rank the problem first, or split between the two readings
so closely that the fallback fires. This component runs after the classifiers and the
FallbackClassifier and adds `person_request` to the parse result when the words ask for a person
(English, Vietnamese with or without diacritics, teen-code: "nv oi", "cho gap nguoi that"), or
when the classifier's second reading is a request for a person and the words name someone to
talk to. `HandoffPolicy` honours the mark in the same turn; routing reads the rest of the words.

A mere address to the shop ("ad ơi, phí ship bao nhiêu?") is not a request for a person: the
vocatives count only when the message says nothing else or the classifier also reads a request
for a person.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.other_company import (
    OTHER_COMPANY,
    OUT_OF_SCOPE,
    PERSON_INTENTS,
    other_company,
    read_as_out_of_scope,
)
from components.person_request_model import (
    LabelledText,
    PersonRequestModel,
    folded,
    load_requests,
)
from components.sentence_encoder import DIMENSIONS, encoder
from components.text_normalizer import normalise

PERSON_REQUEST = "person_request"  # the parse-result key
PERSON_INTENT = "contact_human_agent"
# The classifier's reading of a request for a person that, with a word naming someone, decides.
SUPPORTING_CONFIDENCE = 0.2
# "nv ơi", "người thật" with at most this many other words is a request for a person.
MENTION_ALONE_WORDS = 1

_EN_NOUN = (
    r"(?:agents?|operators?|staff(?: members?)?|representatives?|reps?|employees?|officers?|"
    r"team members?|managers?|supervisors?|advisors?|advisers?|consultants?|specialists?|"
    r"person|humans?(?: beings?)?|technicians?|associates?|admins?|"
    r"salespeople|salesperson|engineers?|spokesperson|contacts?)"
)
_EN_PERSON = (
    r"(?:someone|somebody|some one|anyone|anybody|"
    r"(?:(?:an?|the|your|ur|one of your|some|any) )?(?:real |live |actual |human |"
    r"customer (?:service|care|support) |support |[a-z]+-speaking |"
    r"(?:(?!or |and )[a-z0-9]+ ){1,2})?" + _EN_NOUN + r")"
)
_EN_TEAM = (
    r"(?:(?:the|your|ur|a) )?(?:[a-z0-9&-]+ ){0,3}(?:team|department|dept|desk|office)|"
    r"(?:the|your|ur) (?:[a-z0-9&-]+ ){0,3}(?:guys|people|folks)|"
    r"(?:(?:the|your|ur) )?(?:customer (?:service|care|support)|tech(?:nical)? support)|"
    r"(?:live|human|real) (?:support|chat|help)"
)
# A team named by its topic alone counts after "to" / "with" ("put me through to billing").
_EN_TOPIC_TEAM = (
    r"(?:the |your |ur )?(?:[a-z0-9-]+ )?(?:support|billing|sales|accounting|accounts|warranty|"
    r"after[- ]?sales|logistics|shipping|delivery|marketing)"
)
# Without a free adjective: "want our employees to …", "get the delivery person's number".
_EN_SOMEONE = (
    r"(?:someone|somebody|whoever|(?:(?:an?|the|some|one of your|your) )?"
    r"(?:real |live |actual |human |(?:billing|sales|support|tech|technical|warranty|delivery|"
    r"shipping|marketing|partnership|account|customer service) )?"
    r"(?:human|person|agent|representative|operator|staff(?: member)?|employee|manager|"
    r"supervisor|consultant|advisor|specialist)s?)"
)
_EN_WHO = rf"(?:{_EN_PERSON}|{_EN_TEAM})"
_EN_WHO_AFTER_TO = rf"(?:{_EN_PERSON}|{_EN_TEAM}|{_EN_TOPIC_TEAM})"
# Asking: a verb that reaches someone, or a person asked to act.
_ENGLISH_REQUEST = re.compile(
    r"\b(?:"
    rf"(?:talk|speak)(?:ing)? (?:to |with |vs |w/ |w )?{_EN_WHO}|"
    rf"(?:talk|speak|chat|discuss|meet|see)(?:ing)? (?:to|with|vs|w/|w) {_EN_WHO_AFTER_TO}|"
    r"(?:discuss|talk about|speak about)(?: \w+){0,4} with (?:a |an |the |your |one of your )?"
    r"(?:[a-z]+ )?" + _EN_NOUN + r"|"
    rf"meet {_EN_WHO}|"
    r"(?:get|put|connect|transfer|pass|forward|escalate|hand|send|route|switch|redirect|"
    r"patch) (?:me|e|this|us|this (?:conversation|chat|case)|"
    r"my (?:case|issue|problem|question|chat|request|complaint|conversation))?"
    r"(?: (?:over|through|directly|straight|back))?"
    r" ?(?:(?:to|with|w|vs|through to|in touch with) "
    + _EN_WHO_AFTER_TO
    + r"|"
    + _EN_SOMEONE
    + r"\b(?!'s)|"
    + _EN_TEAM
    + r")|"
    r"give me (?:an? |some )?(?:real |live )?(?:human|person|agent|employee|staff(?: member)?|"
    r"representative|operator)|"
    r"(?:need|want|get|contact|reach|like|prefer|request) (?:to (?:talk|speak|chat) "
    rf"(?:to|with) )?{_EN_SOMEONE}\b(?!'s)|"
    r"(?:have a word with|(?:be|get) connected (?:to|with)|get in touch with) " + _EN_WHO + r"|"
    r"put (?:a|an) (?:real |live )?(?:person|human|agent) on|"
    r"(?:^|\bi |\bwe )?(?:an?|the|your) (?:real )?(?:human|person|agent|staff member|employee) "
    r"(?:needs? to|should|must|has to)|"
    r"(?:can|could|would|will|let|have|is|are there|is there) "
    r"(?:(?:an?|some|one|any|the|a real|your) )?(?:real |live )?"
    r"(?:(?:[a-z]+ )?(?:human|person|agent|staff(?: member)?|employee|representative|rep|"
    r"humans|people|manager)"
    r"(?: from your team)? (?:please )?(?:call|contact|help|explain|handle|check|look|"
    r"go through|reach|available|needs? to|get back|text|email|talk|speak|chat|tell)|"
    r"(?:someone|somebody)(?: from (?:your |the )?[a-z0-9]+(?: team| department)?)? "
    r"(?:please )?(?:call|contact|get back|text|email|talk|speak|chat|help|assist|tell|"
    r"check|look|arrange|explain|sort|fix|handle|process))|"
    r"^(?:someone|somebody) (?:help|from \w+)|please,? (?:a |an )?(?:real |live )?"
    r"(?:person|human|agent)|"
    r"who (?:can|should|do|could) (?:i|we) (?:talk|speak|discuss)|"
    r"who(?:'s| is) the right person|(?:talk|speak) (?:to|with) whoever|"
    r"contact (?:i|we) (?:can|could) (?:talk|speak)|"
    r"(?:is|are) (?:anyone|anybody|someone|somebody) (?:there|here|available|around|online)|"
    r"(?:help|advice|assistance|a callback|a call back) from "
    r"(?:a |an |one of your |your )?(?:real |live )?" + _EN_NOUN + r"|"
    r"ask (?:a |an |one of your |your |the )?(?:real )?(?:employee|staff(?: member)?|agent|"
    r"person|human|representative)|"
    r"(?:please |pls |can you |could you |can someone |someone )call me(?: back)?|"
    r"(?:is|are) (?:there|anyone|anybody) (?:a |an |any )?(?:human|person|real|actual|live|"
    r"agent|someone|anyone|anybody|staff|employee|representative|manager)|"
    r"(?:don'?t|do not|no) (?:want (?:to talk to )?)?(?:a |the |this )?(?:bot|robot|machine)s?\b"
    r"(?! (?:or|and))|"
    r"with (?:a |an )?(?:real|live|actual) " + _EN_NOUN + r"|"
    r"(?:agent|operator|human|person|staff|representative|rep|someone|live chat|live support|"
    r"support team|sales team|tech support|customer service) (?:please|pls|plz|now|asap)|"
    r"escalate|"
    # implicit: "who handles refunds?", "who in your tech team can …", "whoever handles …"
    r"who(?:ever)? (?:handles|deals with|is in charge of|takes care of|looks after|"
    r"is responsible for|can help|should i (?:contact|talk to|speak to|ask|email|call|write to)|"
    r"do i (?:contact|talk to|speak to|ask|call)|can i (?:contact|ask|call|report|email)|"
    r"(?:in|at|from) your (?:[a-z-]+ )?(?:team|company|shop|store|staff))|"
    # a person asked to do something: "can a staff member update …", "could someone from
    # after-sales contact me", "can your marketing people get in touch"
    r"(?:can|could|would|will|may) (?:an?|the|your|one of your|some|any) (?:[a-z-]+ ){0,2}"
    r"(?:" + _EN_NOUN + r"|people|folks|guys)"
    r" (?:please )?(?!be\b|do\b)[a-z]+|"
    r"(?:can|could|would|will|may) (?:someone|somebody)(?: (?:from|in|at|on) (?:your |the )?"
    r"[a-z0-9-]+(?: [a-z0-9-]+)?)? (?:please )?[a-z]+|"
    r"(?:anyone|anybody|someone|somebody) (?:from|in|at|on) (?:your |the )[a-z0-9 -]{0,20}"
    r"(?:team|department|dept|office|staff|side)|"
    r"(?:have|let|get) (?:sales|billing|support|marketing|logistics|shipping|warranty|"
    r"after[- ]sales|your (?:[a-z-]+ )?(?:team|people|guys)) (?:call|contact|email|text|reach|"
    r"get back|get in touch)|"
    r"(?:discuss|talk about|speak about)(?: [a-z0-9-]+){0,4} with (?:someone|somebody)|"
    r"(?:looking for|need|want) (?:the|your) (?:[a-z-]+ )?(?:manager|person in charge|"
    r"team|department)|"
    r"(?:for|from|to) (?:a |an )?(?:real|live|actual) (?:person|human|agent|people)|"
    r"(?:not|no) (?:a |the |this |your )?(?:bot|robot|machine|chatbot)s?\b(?! (?:or|and))|"
    r"staff member (?:please|pls|plz)|"
    # "which team handles …", "who can tell me where …", "who can give a bulk discount"
    r"which (?:team|department|dept|person|people|staff(?: member)?|one of you|section|division)"
    r" (?:handles|deals with|is in charge of|takes care of|looks after|is responsible for|"
    r"can|could|should|do i|would)|"
    r"who (?:can|could|will|would) (?:tell|give|offer|sort|fix|confirm|advise|assist|arrange|"
    r"approve|process|quote|refund|replace|repair|change|update|cancel)|"
    # "anyone from IT?", "is someone from tech available"
    r"(?:anyone|anybody|someone|somebody) (?:from|in|at|on) (?:your |the )?(?:it|tech|"
    r"technical|support|sales|billing|accounts?|accounting|warranty|after[- ]?sales|logistics|"
    r"shipping|delivery|marketing|b2b|enterprise|business|partnerships?|customer (?:service|"
    r"care|support))\b|"
    # "is there an account manager I can talk to", "an IT person I can talk to"
    + _EN_NOUN
    + r" (?:i|we) (?:can|could|should|may) (?:talk|speak|chat|contact|call|ask|reach|write|"
    r"email|discuss)|"
    # "a call from your enterprise team", "a callback from a member of staff"
    r"(?:a call|a callback|a call back|a call-back|a phone call|an email|a reply|hear|contact) "
    r"from (?:your|the|a|an|one of your) (?:[a-z0-9&-]+ ){0,3}(?:team|department|dept|people|"
    r"staff|guys|office|manager|rep|representative|member of staff|staff member)|"
    # "Do you have a B2B team? I'd like to speak to them"
    r"(?:team|department|dept|desk|manager|person|staff)\b[^.?!]{0,40}[.?!]? ?[^.?!]{0,30}"
    r"\b(?:speak|talk|chat|get in touch) (?:to|with) (?:them|him|her)\b|"
    # "looking for a person to discuss …", "I need a contact person for …"
    r"(?:looking for|need|want) (?:a |an |the |your )?(?:[a-z-]+ )?(?:person|contact person|"
    r"rep|representative|point of contact)(?: to| who| that| in charge| for)|"
    r"(?:discuss|talk about|speak about)(?: [a-z0-9-]+){5,12} with (?:someone|somebody|"
    r"a person|a human|your team|one of your)|"
    r"(?:in contact|in touch) with (?:someone|somebody|a person|a human|your team)|"
    r"(?:have|let|get) (?:a |an |one of your |your )?(?:[a-z-]+ )?(?:staff member|member of "
    r"staff|employee|agent|rep|representative|person|manager|consultant) (?:call|ring|phone|"
    r"contact|email|text|reach|get back|get in touch)|"
    r"(?:rather )?deal with (?:a |an )?(?:real |live )?(?:human|person|agent|staff|someone)|"
    r"(?:a |the |your )?(?:manager|supervisor) (?:please|pls|plz|now|asap)|"
    # "who's in charge of B2B?", "who do I dm", "who do I report this to"
    r"who(?:'s| is|s) (?:in charge|responsible|the (?:right )?(?:person|contact|team))|"
    r"who (?:do|should|can|could) (?:i|we) (?:dm|pm|message|reach|report|write|send|inbox|"
    r"ask|contact|email|call)|"
    # someone asked to act: "someone fix this", "can sb check", "lah can got someone tell me"
    r"(?:someone|somebody|sb|any1|anyone|anybody) (?:pls |please )?(?:check|fix|help|look|"
    r"sort|handle|call|reply|respond|answer|tell|explain|advise|assist|contact|get back)|"
    r"(?:is|are) (?:any1|anyone|anybody) (?:there|here|around|online)|"
    # a team asked to act or addressed: "can the accounting team send me", "Billing team
    # please", "hi tech team", "need tech support", "Do you have a brand team?"
    r"(?:can|could|would|will|may) (?:an?|the|your|ur|one of your|some|any) (?:[a-z0-9&-]+ ){0,2}"
    r"(?:team|department|dept|people|ppl|folks|guys|staff) (?:please )?(?!be\b|do\b)[a-z]+|"
    r"(?:[a-z0-9&-]+ )?(?:team|department|dept) (?:please|pls|plz)|"
    r"^(?:hi|hello|hey|dear|yo) (?:[a-z0-9&-]+ ){0,2}(?:team|department|dept)\b|"
    r"need (?:tech(?:nical)? support|customer (?:support|service|care)|the support team)|"
    r"(?:do you have|is there|have you got) (?:a|an|any) (?:[a-z0-9&-]+ ){0,2}(?:team|department|"
    r"dept|contact person|point of contact)\b|"
    r"contact (?:for|of|at|in) (?:your|the|ur) (?:[a-z0-9&-]+ ){0,2}(?:team|department|dept|"
    r"person|manager|people)|"
    # "a call with your marketing team", "discuss … with your marketing people"
    r"(?:a call|a chat|a meeting|a word|talk|speak|discuss(?: [a-z0-9-]+){0,6}) with (?:your|the|"
    r"ur) (?:[a-z0-9&-]+ ){0,2}(?:team|people|ppl|folks|guys|department|dept)|"
    r"(?:a call|a callback|a call back|a call-back|an email|a reply) from " + _EN_TOPIC_TEAM + r"|"
    # "Is anybody from PR around?", "Is there technical staff online?", "a developer or someone
    # technical I can report a bug to", "a person who can recommend"
    r"(?:anyone|anybody|someone|somebody|any1) (?:from|in|at|on) (?:your |the )?[a-z0-9&-]+"
    r"(?: [a-z0-9&-]+)? (?:around|there|available|online|here|free)|"
    r"(?:is|are) there (?:a |an |any )?(?:[a-z-]+ )?(?:staff|agents?|people|employees?|"
    r"engineers?|developers?|technicians?) (?:online|around|available|here|there)|"
    r"(?:someone|somebody|anyone|anybody|a person|a human|a developer|an engineer)(?: [a-z]+)? "
    r"(?:i|we) (?:can|could) (?:report|talk|speak|chat|ask|write|send|show)|"
    r"(?:a|any) (?:person|human|staff member|employee|expert|specialist|consultant) (?:who|that) "
    r"(?:can|could)|"
    r"(?:have|let|get) (?:a |an |one of your |your )?" + _EN_NOUN + r" (?:call|ring|phone|contact|"
    r"email|text|reach|get back|get in touch|reply)|"
    r"is there (?:any1|anyone|anybody|someone|somebody)|"
    r"^any (?:staff|agents?|humans?|people|one|body|reps?) (?:online|around|there|available|here)|"
    r"(?:transfer|connect|forward) me(?=[,.!?]|$| please| pls| now)|"
    r"(?:report|send|explain|show)(?: [a-z]+){0,3} to (?:someone|somebody|a person|a human|your "
    r"team|the team)|"
    r"(?:can|could|would|will|may) sb(?: (?:from|in|at|on) (?:your |the )?[a-z0-9-]+"
    r"(?: [a-z0-9-]+)?)? (?:please )?[a-z]+|"
    r"who(?:'s| is) your (?:[a-z-]+ )?(?:team|department|dept|contact|person|manager)"
    r")\b"
)
# A person named as such: a request when the classifier agrees or the message is only that.
_ENGLISH_MENTION = re.compile(
    r"\b(?:(?:real|live|actual|human) (?:person|human|people|agent|being|support|chat|rep|"
    r"operator)|live chat|humans?)\b"
)
# "operator, I need …", "Agent: …", "human agent. charged twice", "live agent, …"
_ENGLISH_OPENING = re.compile(
    r"^(?:an? |the )?(?:real |live |human )?(?:agent|operator|human|person|representative|"
    r"staff|someone|somebody)(?: please| pls)?\s*[.:,!-]"
)
_ENGLISH_ALONE = re.compile(
    r"^(?:an? |the )?(?:real |live )?(?:agent|operator|representative|human|person|staff|"
    r"employee|consultant|rep|admin|supervisor|manager)s?(?: please| pls| plz| now)?[.!? ]*$"
)
# On folded text with teen-code expanded ("nv" -> "nhan vien", "ad" -> "admin").
_VI_SPECIFIC = (
    r"(?:(?:mot |1 )?(?:nhan vien|tu van vien|nguoi that|tong dai vien|admin|cskh|"
    r"cham soc khach hang|quan ly|chuyen vien|ky thuat vien|(?:live |real )?(?:agent|staff|human)|"
    r"dai dien(?: \w+)?|anh chi(?: tu van| nhan vien)?|truong phong \w+|ban (?:tu van|nhan vien)|"
    r"nguoi (?:ho tro|tu van|phu trach|that su|cua shop|co the|bao gia|ben \w+))|"
    r"mot (?:con )?nguoi|con nguoi|"
    r"cap tren|sep|nguoi quan ly)"
)
# Staff asked to act ("nv kiểm tra giúp"): not "admin"/"shop", which customers use to address
# the page the assistant answers for, and not the courier.
_VI_STAFF = (
    r"(?:nhan vien(?! (?:giao|ship|van chuyen|buu dien))|tu van vien|ky thuat vien|"
    r"nguoi phu trach|cskh|(?:bo phan|bp|phong|team|nhom) \w+(?: \w+)?|"
    # "doi" folds "đội" (team) but also "đổi", "đợi", "đôi": only with a team's name
    r"doi (?:it|ky thuat|kinh doanh|sales?|marketing|ho tro|cskh|van chuyen|giao hang|"
    r"bao hanh|ke toan))"
)
# The staff asked to act: a verb, then a word that makes it a request ("giúp", "cho mình",
# "với", "được không") or the end: "nv kiểm tra giúp", not "nv tư vấn trả lời cộc lốc".
_VI_ASK_TO_ACT = (
    r"(?:ho tro|xu ly|kiem tra|check|doi|hoan|tu van|giai quyet|lien he|lien lac|goi|inbox|"
    r"nhan tin|sua|xem|huy|bao gia|ket noi)(?: lai| tien)? (?:giup|ho|gium|dum|voi|cho|di|nha|"
    r"nhe|nhen|duoc|ngay|lien|minh|em|toi|tui)\b|"
    r"(?:ho tro|xu ly|kiem tra|check|giai quyet|lien he|goi lai|inbox|bao gia)[.!?]*$"
)
_VI_GENERIC = r"(?:" + _VI_SPECIFIC + r"|nguoi|ai do|ai)"
_VI_TEAM = (
    r"(?:(?:bo phan|bp|phong|ben|team|nhom) \w+(?: \w+)?|ky thuat|ke toan|kinh doanh|bao hanh|"
    r"hau mai|van chuyen|marketing|sales?|"
    r"doi (?:it|ky thuat|kinh doanh|sales?|marketing|ho tro|cskh|van chuyen|giao hang|"
    r"bao hanh|ke toan))"
)
_VI_ME = r"(?:minh|em|toi|to|tao|anh|chi|tui|t|e|m|a|c|bac|co|chu)"
# A team of the shop by its work, after "bên", "bộ phận", "team"… or a role: "bên bảo hành",
# "phòng kế toán", "nv kỹ thuật", "trưởng bộ phận cskh", "người bên giao hàng".
_VI_TEAM_WORK = (
    r"(?:bao hanh|hau mai|ky thuat|ke toan|tai chinh|giao hang|giao nhan|van chuyen|kinh doanh|"
    r"sales?|b2b|marketing|tiep thi(?: lien ket)?|thuong hieu|cham soc khach hang|cskh|it|"
    r"khach hang doanh nghiep|don doanh nghiep|doanh nghiep|pr|truyen thong|hop tac|"
    r"phu trach(?: \w+){0,2}|quan ly|affiliate)"
)
# Alone, only words that name nothing but a team ("giao hàng", "bảo hành" and "ít" are also
# the service, the warranty and "a little"); "nhân viên giao hàng" is the courier.
_VI_NAMED_TEAM = (
    r"(?:(?:(?:nguoi|nhan vien|truong|anh chi) )?(?:ben|bo phan|bp|phong|team|doi|nhom) "
    + _VI_TEAM_WORK
    + r"|(?:nguoi|nhan vien|truong|anh chi) (?!giao hang|giao nhan|van chuyen)"
    + _VI_TEAM_WORK
    + r"|(?:ke toan|kinh doanh|sales?|marketing|b2b|cskh|pr|affiliate|tai chinh))"
)
_VIETNAMESE_REQUEST = re.compile(
    r"\b(?:"
    rf"(?:gap|gap truc tiep|noi chuyen(?: truc tiep)?(?: voi)?|trao doi(?: truc tiep)? voi|"
    r"chat voi|ban voi|lam viec voi) "
    rf"(?:{_VI_GENERIC}|{_VI_TEAM})\b|"
    r"(?:lien he(?: truc tiep)? voi|(?:ket noi|noi may)(?: giup| ho| cho)?(?: " + _VI_ME + r")?"
    r"(?: voi)?|"
    r"chuyen(?: \w+){0,4}? (?:sang|qua|toi|den|cho|ve|len)) "
    rf"(?:{_VI_SPECIFIC}|{_VI_TEAM})\b|"
    r"(?:(?:can|muon)(?: duoc)?|goi(?: giup| ho| gium| dum)?(?: " + _VI_ME + r")?|"
    r"hoi(?: truc tiep)?|cho " + _VI_ME + r"(?: (?:gap|noi chuyen voi|lien he voi))?) (?:mot )?"
    rf"{_VI_SPECIFIC}\b|"
    rf"(?:{_VI_SPECIFIC}|{_VI_TEAM})(?: (?!hua|da|khong|chua|moi)\w+){{0,2}} "
    r"(?:goi lai|lien he|lien lac|goi dien|vao chat|xu ly giup|ra day)|"
    # "gọi lại cho tôi", "gọi cho em với": someone has to call
    r"goi(?: lai)? cho " + _VI_ME + r"\b(?!(?: \w+){0,3} (?<!sua )chua\b)|"
    # "cần người kiểm tra giúp", "ai tư vấn cho tui", "có nhân viên nào …"
    r"(?:can|muon) (?:mot )?nguoi (?!nhan hang|than|yeu|nha)\w+|"
    r"\bai (?:xu ly|noi chuyen|ho tro|tu van|bao gia|chi|giup|lam viec)(?: \w+){0,4} "
    r"(?:cho|voi|duoc|giup|di)\b|"
    r"co (?:nhan vien|anh chi|ai|nguoi)(?: \w+)? nao|"
    r"co (?:nguoi|nhan vien) (?:lien he|phu trach|bao gia)|"
    r"co ai la nguoi that|ai la nguoi that|nhan vien oi+|"
    r"inbox (?:voi |cho )?(?:" + _VI_SPECIFIC + r"|nguoi(?: that)?)\b|"
    r"(?:nhan vien|admin)(?: \w+){0,3} dau(?: roi| vay| het| r)?\b|"
    r"nho (?:mot )?" + _VI_SPECIFIC + r"\b|"
    r"khong (?:muon )?(?:noi chuyen|chat) voi (?:bot|may|robot)|"
    r"(?:bot|may|robot) (?:thi )?khong hieu|"
    # implicit: "ai phụ trách bảo hành vậy", "liên hệ ai", "có ai xử lý không", "nhờ người liên hệ"
    # ... but not "có ai xử lý chưa" (has anyone yet: a status question) nor "không ai …"
    r"(?<!khong )(?<!chua )\bai (?:phu trach|giai quyet|xu ly|lam duoc|giai thich|lo|tiep nhan|"
    r"trao doi)\b(?!(?: \w+){0,6} (?<!sua )chua\b)|"
    r"(?:lien he|lien lac|gui(?: \w+){0,2} cho|hoi) ai\b|"
    r"co ai (?:o do |o day |truc )?(?:khong|ko|k|hong|hok)\b|"
    # "có ai biết … không" (does anyone know) asks for knowledge, not for someone
    r"co (?:ai|" + _VI_SPECIFIC + r")(?! (?:biet|bi|dung|tung|gap|mua|thay)\b)(?: \w+){1,6} "
    r"(?:khong|ko|k|hong|hok)\b|"
    r"nho (?:nguoi|ai|" + _VI_SPECIFIC + r")(?: \w+)? (?:lien he|goi|xu ly|ho tro|kiem tra)|"
    r"xin (?:so(?: dien thoai)?|sdt|zalo|lien he|thong tin lien he)(?: \w+){0,2} "
    r"(?:nhan vien|nguoi phu trach|bo phan|bp|admin|tu van)|"
    r"xin " + _VI_SPECIFIC + r"\b|"
    r"(?:nhan vien|nguoi|ben) nao (?:lo|phu trach|xu ly|ho tro|tu van|giai quyet|lam)|"
    r"(?:nguoi that|tu van vien|anh chi tu van(?: vien)?|anh chi nhan vien|tong dai vien|cskh)"
    r"(?: \w+)? oi+\b|"
    # "nv kiểm tra giúp em với", "nhờ bộ phận kỹ thuật hỗ trợ", "nv sale ib mk nha"
    rf"(?<!khong )(?<!chua )(?<!da )(?:nho )?{_VI_STAFF}(?: (?!hua|da|khong|chua|moi|bao|noi)\w+)"
    rf"{{0,2}} (?:{_VI_ASK_TO_ACT})|"
    r"nho (?:" + _VI_TEAM + r")(?: \w+){0,2} (?:ho tro|xu ly|kiem tra|giup)|"
    # "ai kiểm tra giúp", "ai làm giúp", "ai hoàn tiền cho tôi đây"
    r"\bai(?: \w+){1,3} (?:giup|ho|gium|dum)\b|"
    r"\bai (?:hoan|doi|kiem tra|check|xem|lam|sua|huy|bao gia|xuat|giao)(?: \w+){0,3} cho "
    + _VI_ME
    + r"\b|"
    r"ai la nguoi (?:phu trach|phu hop|lo|xu ly|co the|ho tro)|"
    r"ket noi (?:giup|ho|gium|dum)\b|"
    # a team of the shop called on, asked to act or asked for: "bên kỹ thuật ơi", "nhờ kế toán
    # xuất giúp", "xin người bên hậu mãi", "bàn … với bên marketing", "cho gặp bên vận chuyển"
    r"(?:nho|xin|gap|lien he(?: voi)?|chuyen(?: len| sang| qua| cho| toi| den)?|voi|"
    r"(?:bao|bao loi|gui|inbox) (?:voi|cho)|co ai|ai) "
    + _VI_NAMED_TEAM
    + r"\b|"
    + _VI_NAMED_TEAM
    + r"(?: \w+){0,3} (?:oi|giup|gium|dum|ho|xem|check|kiem tra|ho tro|bao gia|gui|xuat|rep|"
    r"inbox|tra loi|lien he|goi|sua|fix)\b(?!(?: \w+){0,4} (?<!sua )chua\b)|"
    r"co (?:team|bo phan|phong|nhom|doi|nguoi ben) " + _VI_TEAM_WORK + r" (?:khong|ko|k)\b|"
    # "ai sửa được vậy", "ai fix dc ko", "báo lỗi cho ai", "liên hệ bộ phận nào", "gặp ai đây"
    r"\bai (?:sua|fix|xu ly|giai quyet|check|xem|lam|lo)(?: \w+){0,2} duoc\b|"
    r"\bai (?:\w+ ){1,2}duoc (?:khong|vay)\b|"
    r"(?:bao loi|bao|inbox|nhan tin) (?:cho |voi )?ai\b|"
    r"(?:lien he|gap|hoi|nhan tin|inbox|chuyen) (?:bo phan|ben|nguoi|ai|phong) nao\b|"
    r"gap ai (?:day|vay|duoc|a)\b|"
    r"chuyen (?:cho |toi |den )?dung nguoi|"
    r"(?<!da )co ai (?:tu van|ho tro|xu ly|giup|check|kiem tra|giai dap)\b"
    r"(?!(?: \w+){0,6} (?<!sua )chua\b)|"
    r"(?:chuyen (?:len|sang|qua|cho|toi|den)|lien he(?: voi)?|gap) it\b|"
    r"(?:ho tro|giup|tu van) (?:boi|tu) (?:mot )?" + _VI_SPECIFIC + r"\b|"
    r"khong phai (?:la )?(?:bot|chatbot|may|robot)\b|"
    r"admin (?:rep|tra loi|inbox)(?: " + _VI_ME + r")? (?:voi|nha|nhe|di|gium|giup)\b"
    r")"
)
_VIETNAMESE_MENTION = re.compile(
    r"\b(?:nguoi that|tu van vien|tong dai vien|nhan vien (?:oi|that|ho tro|tu van|cskh|dau)|"
    r"co (?:ai|nguoi|nhan vien|admin)(?: nao| o day| truc)? (?:khong|o day|ho tro|tra loi)|"
    r"(?:nhan vien|admin) oi+)\b"
)
_WORD = re.compile(r"\w+")
# Words that do not make a message more than a call for someone.
_FILLER = frozenset(
    "oi a da ah alo voi nhe nha di minh em toi co khong ai day please pls hello hi hey".split()  # noqa: SIM905
)
# With these readings, words about a person are a question about the bot or about staff.
_NOT_A_REQUEST = frozenset({"bot_challenge"})
# Readings the learned model never turns into a hand-off: a question about the bot is answered,
# and a complaint ("nobody called me back", "your hotline staff hung up on me") gets the
# complaint flow, which offers a ticket or a person; only words that ask (the patterns) skip it.
_NOT_LEARNED = _NOT_A_REQUEST | {"complaint"}
# "am I talking to a human?", "bạn là người thật hả": a question about who answers.
_QUESTION_ABOUT_WHO = re.compile(
    r"\b(?:am i|are you|r u|is (?:this|it|that)|do you|ban la|em la|day la|minh dang|toi dang|"
    r"la nguoi|la bot|hay may|la may|or a bot|or bot|behind)\b|\?|"
    r"\b(?:khong|k|ko|hok) (?:vay|z|v|ha|a)\b"
)
# "How do I reach customer care?" asks for the contact channels, not for a person now.
_HOW_TO_REACH = re.compile(
    r"\b(?:how (?:do|can|could|would|should) (?:i|we|one)|how to|what is the best way to|"
    r"lam (?:sao|the nao|cach nao)(?: de)?|cach(?: nao)? de|bang cach nao)\b"
)

# "how do I become a call-centre agent", "làm sao để trở thành nhân viên tổng đài": a question
# about a job, not a request for one of ours.
_JOB_QUESTION = re.compile(
    r"\b(?:become|becoming|work as|working as|job as|jobs as|career as|hired as)(?: an?)?"
    r"(?: [a-z-]+){0,3} (?:agent|staff|employee|representative|rep|operator|consultant)s?\b|"
    r"\b(?:tro thanh|xin viec|ung tuyen|tuyen dung|lam)(?: vi tri| viec)?(?: lam)? "
    r"(?:nhan vien|tu van vien|tong dai vien)\b"
)


# "I just need someone to talk to", "không ai nói chuyện với mình": loneliness, not a request
# for one of our staff (retired out-of-scope set 7); the assistant says what it can do.
_FEELINGS = re.compile(
    r"\b(?:(?:need|want|have) (?:someone|somebody|anyone) to talk to|talk for a (?:bit|while)|"
    r"(?:do not|don't|dont) want to be alone|(?:i'm|i am|im|feel|feeling) (?:so |very |really )?"
    r"(?:lonely|alone)|khong (?:co )?ai (?:noi chuyen|tam su|choi) (?:voi|cung) "
    r"(?:minh|toi|em|tui|tao)|(?:khong|chang|cha) (?:muon|mun) (?:noi chuyen|gap) (?:voi |cung )?"
    r"ai|co don|tam su (?:voi|cung) (?:minh|toi|em|tui))\b"
)


def only_feelings(text: str) -> bool:
    """Words about being lonely, with no request for a person outside them."""
    phrase: str | None = None
    for haystack in (" ".join(text.lower().split()), folded(text)):
        feeling = _FEELINGS.search(haystack)
        if feeling is None:
            continue
        phrase = phrase or request_phrase(text)
        if not phrase:
            return True
        at = haystack.find(phrase)
        if at >= 0:
            return feeling.start() < at + len(phrase) and at < feeling.end()
    return False


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(0) if found else None


def request_phrase(text: str) -> str | None:
    """Words that ask for a person ("talk to a human", "cho gặp nhân viên"), or None."""
    lowered = " ".join(text.lower().split())
    plain = folded(text)
    return (
        _first(_ENGLISH_REQUEST, lowered)
        or _first(_ENGLISH_ALONE, lowered)
        or _first(_ENGLISH_OPENING, lowered)
        or _first(_VIETNAMESE_REQUEST, plain)
    )


def mention_phrase(text: str) -> str | None:
    """Words that name a person ("real person", "người thật", "nv ơi") without asking."""
    lowered = " ".join(text.lower().split())
    return _first(_ENGLISH_MENTION, lowered) or _first(_VIETNAMESE_MENTION, folded(text))


def other_words(text: str, phrase: str) -> int:
    """How many words the message has besides the phrase and fillers: what it says beyond
    asking for a person (HandoffPolicy's action asks the topic only when that is little)."""
    rest = folded(text)
    if phrase:
        rest = rest.replace(folded(phrase), " ")
    return sum(1 for w in _WORD.findall(rest) if w not in _FILLER)


def person_reading(ranking: list[dict[str, Any]]) -> float:
    """How likely the classifier finds a request for a person among its top readings."""
    for candidate in ranking[:3]:
        if candidate.get(INTENT_NAME_KEY) == PERSON_INTENT:
            return float(candidate.get("confidence") or 0.0)
    return 0.0


def detect(
    text: str, intent: str | None, ranking: list[dict[str, Any]], learned: bool = False
) -> dict[str, Any] | None:
    """The mark for one message: the words that asked and why they count, or None. `learned`:
    the learned model (`components/person_request_model.py`) reads a request for a person."""
    supported = intent == PERSON_INTENT or person_reading(ranking) >= SUPPORTING_CONFIDENCE
    asks_about_the_bot = intent in _NOT_A_REQUEST and _QUESTION_ABOUT_WHO.search(folded(text))
    if asks_about_the_bot:
        return None  # "am I talking to a bot or a real person?" is answered, not handed off
    if _JOB_QUESTION.search(folded(text)) or only_feelings(text):
        return None
    asks_how = _HOW_TO_REACH.search(folded(text))
    if intent == "contact_customer_service" and not supported and asks_how:
        return None
    phrase = request_phrase(text)
    if phrase:
        return {"phrase": phrase, "source": "request", "other_words": other_words(text, phrase)}
    phrase = mention_phrase(text)
    others = other_words(text, folded(phrase)) if phrase else 0
    if phrase and (supported or others <= MENTION_ALONE_WORDS):
        return {"phrase": phrase, "source": "mention", "other_words": others}
    if learned:
        return {"phrase": "", "source": "learned", "other_words": other_words(text, "")}
    return None


# "am I talking to a bot or a real person?", "bạn là người hay máy": asks who answers.
_IDENTITY_QUESTION = re.compile(
    r"\b(?:am i (?:talking|speaking|chatting) (?:to|with)|are you (?:a |an )?(?:bot|robot|human|"
    r"real|person|machine|ai)|is this (?:a |an )?(?:bot|robot|human|real person|machine|"
    r"automated)|(?:ban|em) la (?:nguoi|bot|may)|(?:nguoi|bot) hay (?:may|bot|nguoi))\b"
)
BOT_QUESTION_INTENT = "bot_challenge"


def asks_for_their_staff(message: Message, text: str) -> bool:
    """ "Transfer me to a Lazada agent", read as out of scope or as a request for a person: the
    person asked for works for another company, whatever the classifier made of it."""
    intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
    if intent not in PERSON_INTENTS and intent != OUT_OF_SCOPE_INTENT:
        return False
    return other_company(text, PERSON_INTENT) is not None


def settle_feelings(message: Message, text: str) -> None:
    """Loneliness read as a request for a person is out of scope: no hand-off, the assistant
    says what it does (nobody on the team is there to keep someone company)."""
    intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
    if intent in PERSON_INTENTS and only_feelings(text):
        read_as_out_of_scope(message, 1.0)


def settle_question_about_the_bot(message: Message, text: str) -> None:
    """A question about who answers, read first as a request for a person (or too close to call)
    with the question as a runner-up, is the question: the assistant answers it truthfully."""
    ranking = [
        r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != "nlu_fallback"
    ]
    read_as_person = bool(ranking) and ranking[0].get(INTENT_NAME_KEY) == PERSON_INTENT
    if not read_as_person or not _IDENTITY_QUESTION.search(folded(text)):
        return
    for candidate in ranking[:3]:
        if candidate.get(INTENT_NAME_KEY) == BOT_QUESTION_INTENT:
            message.set(INTENT, {**candidate}, add_to_output=True)
            return


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class PersonRequestDetector(GraphComponent):
    """Adds `person_request` to messages that ask for a person: the patterns above, or the
    learned model (`components/person_request_model.py`) trained with the NLU data and the
    retired blind sets in `examples`."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "examples": "backoffice/config/person_requests",
            # P(asks for a person) from which the learned model marks a message
            "threshold": 0.5,
            # ...when the classifier reads the message as out of scope: "who discovered
            # penicillin" shares words with "who handles refunds" (a question about the bot or
            # a complaint is never a learned request: `_NOT_LEARNED`)
            "out_of_scope_threshold": 0.8,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: PersonRequestModel | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PersonRequestDetector:
        return cls(config, model_storage, resource)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when the example files change (Rasa's cache only sees the NLU data)."""
        digest = hashlib.sha256()
        for path in sorted(Path(config.get("examples") or "").glob("*.yml")):
            digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            LabelledText(str(m.get(TEXT)), sentence_vector(m), _asks(m))
            for m in training_data.intent_examples
            if m.get(TEXT) and (_asks(m) or not _words_ask(str(m.get(TEXT))))
        ]
        requests = load_requests(Path(self._config["examples"]))
        if requests:
            vectors = encoder().encode([text for _, text in requests])
            examples += [
                LabelledText(normalise(text, language), np.asarray(vector), True)
                for (language, text), vector in zip(requests, vectors, strict=True)
            ]
        self._model = PersonRequestModel.train(examples, DIMENSIONS)
        with self._model_storage.write_to(self._resource) as directory:
            self._model.save(directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> PersonRequestDetector:
        try:
            with model_storage.read_from(resource) as directory:
                model = PersonRequestModel.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            model = None  # trained without examples: the patterns alone
        return cls(config, model_storage, resource, model)

    def process(self, messages: list[Message]) -> list[Message]:
        readable = [m for m in messages if m.get(TEXT) and not str(m.get(TEXT)).startswith("/")]
        probabilities = self._learned_probabilities(readable)
        for message, probability in zip(readable, probabilities, strict=True):
            text = str(message.get(TEXT))
            if message.get(OTHER_COMPANY) or asks_for_their_staff(message, text):
                continue  # another company's staff: out of scope (`components/other_company.py`)
            settle_question_about_the_bot(message, text)
            settle_feelings(message, text)
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            ranking = message.get(INTENT_RANKING_KEY) or []
            reading = top_reading(ranking)
            needed = self._config["threshold"]
            if reading == OUT_OF_SCOPE_INTENT:
                needed = self._config["out_of_scope_threshold"]
            learned = (
                probability >= needed
                and reading not in _NOT_LEARNED
                and not looks_like_a_payload(text)
            )
            mark = detect(text, intent, ranking, learned=learned)
            if mark is not None:
                if mark["source"] == "learned":
                    mark["confidence"] = round(float(probability), 3)
                message.set(PERSON_REQUEST, mark, add_to_output=True)
        return messages

    def _learned_probabilities(self, messages: list[Message]) -> list[float]:
        if self._model is None:
            return [0.0] * len(messages)
        texts = [str(m.get(TEXT)) for m in messages]
        return list(self._model.probabilities(texts, [sentence_vector(m) for m in messages]))


MODEL_FILE = "person_request_model.pkl"
OUT_OF_SCOPE_INTENT = OUT_OF_SCOPE


# An intent payload nobody offered, read as text ("EXTERNAL_agent_message{...}"): its "agent"
# is a name in code, not a customer asking (`channels/payloads.py`).
_PAYLOAD_SHAPE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)+(?:\{.*\})?|\w+\{.*\}", re.DOTALL)


def looks_like_a_payload(text: str) -> bool:
    """Text shaped like an intent payload, which only the patterns may read."""
    return bool(_PAYLOAD_SHAPE.fullmatch(text.strip().lower()))


def top_reading(ranking: list[dict[str, Any]]) -> str | None:
    """The classifier's first reading other than the fallback."""
    for candidate in ranking:
        if candidate.get(INTENT_NAME_KEY) != "nlu_fallback":
            return str(candidate.get(INTENT_NAME_KEY))
    return None


def sentence_vector(message: Message) -> np.ndarray | None:
    """The pretrained sentence vector `SentenceEncoderFeaturizer` added to the message."""
    for features in message.features:
        if (
            features.attribute == TEXT
            and features.type == FEATURE_TYPE_SENTENCE
            and features.is_dense()
            and features.features.shape[-1] == DIMENSIONS
        ):
            return np.asarray(features.features).reshape(-1)
    return None


def _asks(message: Message) -> bool:
    return message.get(INTENT) == PERSON_INTENT


def _words_ask(text: str) -> bool:
    """An example of another intent whose words ask for a person teaches neither side."""
    return bool(request_phrase(text) or mention_phrase(text))
