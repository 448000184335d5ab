"""The people of the demo company and where they work from: one account per person everywhere,
home countries with their address blocks (the demo's GeoIP), browsers, and the habits that place
a person's activity in time and on the network."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Iterable

from secfeat.simulate.formats import ALPHANUMERIC, AWS_ID_CHARACTERS, _token, _uuid

DOMAIN = "CORP"
DNS_DOMAIN = "corp.example"
KERBEROS_REALM = DNS_DOMAIN.upper()
DOMAIN_SID = "S-1-5-21-3623811015-3361044348-30300820"

FIRST_NAMES = (
    "alice bob carol dave erin frank grace heidi ivan judy mallory niaj olivia peggy "
    "rupert sybil trent victor walter xena yusuf zoe amir bea chen dara emeka fatima "
    "goran hana ines jonas kenji lena mateo nora omar priya quinn rosa sven tariq uma "
    "vera wen ximena yara zane"
).split()
LAST_NAMES = (
    "smith jones garcia miller davis lopez wilson anderson thomas moore martin lee "
    "clark lewis walker young allen king wright scott green baker adams nelson hill "
    "campbell mitchell roberts carter phillips evans turner torres parker collins "
    "edwards stewart morris murphy cook rogers morgan peterson cooper reed bailey"
).split()

# Fictional address blocks per country (the demo's stand-in for a GeoIP database).
COUNTRY_NETWORKS = {
    "US": ("23.20", "23.21", "64.12", "98.137"),
    "GB": ("81.2", "86.128"),
    "DE": ("91.64", "93.104"),
    "IN": ("49.36", "117.192"),
    "BR": ("177.40", "189.4"),
    "CA": ("142.112",),
    "FR": ("90.80",),
    "JP": ("126.72",),
}
HOME_COUNTRY_WEIGHTS = {"US": 55, "GB": 12, "DE": 10, "IN": 10, "BR": 5, "CA": 4, "FR": 2, "JP": 2}
# Where attack traffic comes from (never anybody's home country in the demo).
HOSTILE_NETWORKS = {
    "RU": ("95.24", "178.176"),
    "CN": ("61.135", "222.186"),
    "KP": ("175.45",),
    "NG": ("105.112",),
    "VN": ("113.160",),
}
UTC_OFFSET_HOURS = {"US": -5, "GB": 0, "DE": 1, "IN": 5, "BR": -3, "CA": -5, "FR": 1, "JP": 9}
NETWORK_COUNTRY = {prefix: code for code, prefixes in {**COUNTRY_NETWORKS, **HOSTILE_NETWORKS}.items()
                   for prefix in prefixes}
# Each office reaches the internet through one NAT address.
OFFICE_EGRESS = {code: f"{prefixes[0]}.1.10" for code, prefixes in COUNTRY_NETWORKS.items()}
# country: (English name, as Okta writes it; cities: (city, state, postal code, lat, lon); network: (AS number,
# AS organisation, ISP, domain)).
GEO = {
    "US": ("United States", (("New York", "New York", "10013", 40.7209, -74.0047),
                             ("Chicago", "Illinois", "60601", 41.8853, -87.6216),
                             ("Austin", "Texas", "78701", 30.2713, -97.7426)),
           (7922, "comcast cable communications, llc", "comcast", "comcast.net")),
    "GB": ("United Kingdom", (("London", "England", "EC1A", 51.5164, -0.093),
                              ("Manchester", "England", "M1", 53.4794, -2.2453)),
           (2856, "british telecommunications plc", "bt", "bt.com")),
    "DE": ("Germany", (("Berlin", "Land Berlin", "10115", 52.5321, 13.3849),
                       ("Munich", "Bavaria", "80331", 48.1374, 11.5755)),
           (3320, "deutsche telekom ag", "deutsche telekom ag", "telekom.de")),
    "IN": ("India", (("Bengaluru", "Karnataka", "560001", 12.9762, 77.6033),
                     ("Hyderabad", "Telangana", "500001", 17.384, 78.4564)),
           (24560, "bharti airtel ltd.", "bharti airtel", "airtel.in")),
    "BR": ("Brazil", (("Sao Paulo", "Sao Paulo", "01000-000", -23.5475, -46.6361),),
           (28573, "claro nxt telecomunicacoes ltda", "claro", "claro.com.br")),
    "CA": ("Canada", (("Toronto", "Ontario", "M5H", 43.6532, -79.3832),),
           (812, "rogers communications canada inc.", "rogers", "rogers.com")),
    "FR": ("France", (("Paris", "Ile-de-France", "75001", 48.8602, 2.341),),
           (3215, "orange s.a.", "orange", "orange.fr")),
    "JP": ("Japan", (("Tokyo", "Tokyo", "100-0001", 35.6895, 139.6917),),
           (4713, "ntt communications corporation", "ntt", "ocn.ne.jp")),
    "RU": ("Russia", (("Moscow", "Moscow", "101000", 55.7522, 37.6156),),
           (12389, "pjsc rostelecom", "rostelecom", "rt.ru")),
    "CN": ("China", (("Beijing", "Beijing", "100000", 39.9075, 116.3972),),
           (4134, "chinanet", "china telecom", "chinatelecom.cn")),
    "KP": ("North Korea", (("Pyongyang", "Pyongyang", None, 39.0339, 125.7543),),
           (131279, "star joint venture co. ltd.", "star jv", None)),
    "NG": ("Nigeria", (("Lagos", "Lagos", "100001", 6.4541, 3.3947),),
           (29465, "mtn nigeria", "mtn nigeria", "mtnnigeria.net")),
    "VN": ("Vietnam", (("Hanoi", "Hanoi", "100000", 21.0245, 105.8412),),
           (7552, "viettel group", "viettel", "viettel.vn")),
}

# Browsers: (raw user agent, Okta os, Okta browser, Entra operatingSystem, Entra browser).
BROWSERS = (
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 "
     "Safari/537.36", "Windows 10", "CHROME", "Windows10", "Chrome 121.0.0"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 "
     "Safari/537.36 Edg/121.0.2277.83", "Windows 10", "EDGE_CHROMIUM", "Windows10", "Edge 121.0.2277"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0",
     "Windows 10", "FIREFOX", "Windows10", "Firefox 122.0"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
     "Safari/605.1.15", "Mac OS X", "SAFARI", "MacOs", "Safari 17.2"),
)
SCRIPTED_CLIENT = ("python-requests/2.31.0", "Unknown", "UNKNOWN", "", "")


@dataclass(frozen=True)
class User:
    name: str
    sid: str
    country: str
    home_ip: str
    workstation: str
    workstation_ip: str
    is_admin: bool
    activity: float
    display_name: str = ""
    idps: tuple[str, ...] = ()  # "okta" and/or "entra"
    has_aws: bool = False
    okta_id: str = ""
    entra_id: str = ""
    aws_id: str = ""
    aws_key: str = ""
    browser: int = 0

    @property
    def upn(self) -> str:
        return f"{self.name}@{DNS_DOMAIN}"


def _ip_in(rng: random.Random, prefixes: Iterable[str]) -> str:
    prefix = rng.choice(tuple(prefixes))
    return f"{prefix}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _hostile_ip(rng: random.Random) -> tuple[str, str]:
    country = rng.choice(sorted(HOSTILE_NETWORKS))
    return _ip_in(rng, HOSTILE_NETWORKS[country]), country


HOSTILE_PREFIXES = {prefix for prefixes in HOSTILE_NETWORKS.values() for prefix in prefixes}


@lru_cache(maxsize=16384)
def _geo(ip: str) -> tuple:
    """(country code, country name, city row, network row) of a public address, per the demo's GeoIP."""
    first, second, _, last = ip.split(".")
    code = NETWORK_COUNTRY.get(f"{first}.{second}", "US")
    name, cities, network = GEO[code]
    if f"{first}.{second}" in HOSTILE_PREFIXES:
        return code, name, cities[int(last) % len(cities)], network
    # staff live near their office: home and office addresses place in its city (no false impossible travel)
    return code, name, cities[0], network


def _ghost(name: str) -> User:
    """An account name that does not exist (anywhere)."""
    return User(name, "S-1-0-0", "US", "", "", "", False, 0.0)


def population_size(events_per_day: int, users: int | None = None) -> int:
    """How many people an org has: `users` when given, else one per 200 events a day (at least 20)."""
    return users if users is not None else max(20, events_per_day // 200)


def build_population(rng: random.Random, events_per_day: int, size: int | None = None) -> list[User]:
    """Everybody has a Windows account and Okta or Entra ID (a few both);
    admins also ssh into Linux servers; about a third use the AWS console.
    `size` overrides how many people there are (see population_size)."""
    n_users = population_size(events_per_day, size)
    countries = list(HOME_COUNTRY_WEIGHTS)
    weights = list(HOME_COUNTRY_WEIGHTS.values())
    names: set[str] = set()
    users = []
    while len(users) < n_users:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first}.{last}"
        if name in names:
            name = f"{name}{len(users)}"
        names.add(name)
        country = rng.choices(countries, weights)[0]
        index = len(users)
        is_admin = rng.random() < 0.1
        idp_roll = rng.random()
        users.append(
            User(
                name=name,
                sid=f"{DOMAIN_SID}-{1100 + index}",
                country=country,
                home_ip=_ip_in(rng, COUNTRY_NETWORKS[country]),
                workstation=f"WS-{index:04d}",
                workstation_ip=f"10.{10 + index // 250}.{index % 250}.{rng.randint(10, 250)}",
                is_admin=is_admin,
                activity=rng.lognormvariate(0, 0.6),
                display_name=f"{first.title()} {last.title()}",
                idps=("okta",) if idp_roll < 0.45 else ("entra",) if idp_roll < 0.85 else ("okta", "entra"),
                has_aws=rng.random() < (0.7 if is_admin else 0.25),
                okta_id="00u" + _token(rng, ALPHANUMERIC, 17),
                entra_id=_uuid(rng),
                aws_id="AIDA" + _token(rng, AWS_ID_CHARACTERS, 17),
                aws_key="AKIA" + _token(rng, AWS_ID_CHARACTERS, 16),
                browser=rng.randrange(len(BROWSERS)),
            )
        )
    # every role exists, however small the population
    if not any(u.is_admin for u in users):
        users[0] = replace(users[0], is_admin=True)
    if not all(any(idp in u.idps for u in users) for idp in ("okta", "entra")):
        users[1] = replace(users[1], idps=("okta", "entra"))
    if not any(u.has_aws for u in users):
        users[2] = replace(users[2], has_aws=True)
    return users


class _Pool:
    """Users who can do something, picked in proportion to how active they are."""

    def __init__(self, users: list[User]) -> None:
        self.users = users
        self.cum_weights = []
        total = 0.0
        for user in users:
            total += user.activity
            self.cum_weights.append(total)

    def pick(self, rng: random.Random) -> User:
        return rng.choices(self.users, cum_weights=self.cum_weights)[0]


def _pools(users: list[User]) -> dict[str, _Pool]:
    groups = {
        "everyone": users,
        "admins": [u for u in users if u.is_admin],
        "okta": [u for u in users if "okta" in u.idps],
        "entra": [u for u in users if "entra" in u.idps],
        "aws": [u for u in users if u.has_aws],
    }
    return {name: _Pool(members or users[:1]) for name, members in groups.items()}


def _working_time(rng: random.Random, day: datetime, user: User) -> datetime:
    """A moment in the user's working day (local 07-19, occasionally evening)."""
    local_hour = rng.gauss(12.5, 2.8) if rng.random() < 0.93 else rng.uniform(19, 23.5)
    local_hour = min(max(local_hour, 0.0), 23.99)
    utc = day + timedelta(hours=local_hour - UTC_OFFSET_HOURS[user.country])
    return utc + timedelta(seconds=rng.randint(0, 59))


def _egress_ip(rng: random.Random, user: User) -> str:
    """Where a user reaches cloud services from: the office's NAT, or home."""
    return user.home_ip if rng.random() < 0.3 else OFFICE_EGRESS[user.country]
