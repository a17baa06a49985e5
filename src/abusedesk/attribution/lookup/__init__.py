"""Who really serves a URL, and where to report it: DNS, RDAP, security.txt, CDN ranges (pure, no DB).

from abusedesk.attribution.lookup import whois
answer = whois("https://forum.example/thread/1", own_origin=lambda host: None)
print(answer.to_json())
"""

from abusedesk.attribution.lookup.answer import Party, ReportTo, WhoisAnswer
from abusedesk.attribution.lookup.cdn import CdnTable, shipped_table
from abusedesk.attribution.lookup.dnsfacts import DnsFacts, DnsLookup
from abusedesk.attribution.lookup.rdap import RdapClient, RdapError, RdapRecord, parse_record
from abusedesk.attribution.lookup.securitytxt import SecurityTxt, fetch_security_txt, parse_security_txt
from abusedesk.attribution.lookup.whois import WhoisInputError, registrable_domain, where_to_report, whois

__all__ = [
    "CdnTable",
    "DnsFacts",
    "DnsLookup",
    "Party",
    "RdapClient",
    "RdapError",
    "RdapRecord",
    "ReportTo",
    "SecurityTxt",
    "WhoisAnswer",
    "WhoisInputError",
    "fetch_security_txt",
    "parse_record",
    "parse_security_txt",
    "registrable_domain",
    "shipped_table",
    "where_to_report",
    "whois",
]
