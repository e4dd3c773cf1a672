# ruff: noqa: E501 - data tables read better one entry per line
"""Where an attendee comes from: a subject of the Russian Federation, or a foreign country.

The 89 subjects as listed in Article 65 of the Constitution of the Russian Federation, each with
its official Russian name, an English name and the short forms people type. A region is
stored under its canonical Russian name so that the organisers' counts ("21 regions") add up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from forum_registration.countries import COUNTRIES


@dataclass(frozen=True)
class Region:
    ru: str
    en: str
    kind: str  # "subject" or "country"


# (adjective, English stem) for oblasts: "Волгоградская область", "Volgograd Oblast".
_OBLASTS = """Амурская Amur|Архангельская Arkhangelsk|Астраханская Astrakhan|Белгородская Belgorod
|Брянская Bryansk|Владимирская Vladimir|Волгоградская Volgograd|Вологодская Vologda
|Воронежская Voronezh|Запорожская Zaporozhye|Ивановская Ivanovo|Иркутская Irkutsk
|Калининградская Kaliningrad|Калужская Kaluga|Кемеровская Kemerovo|Кировская Kirov
|Костромская Kostroma|Курганская Kurgan|Курская Kursk|Ленинградская Leningrad
|Липецкая Lipetsk|Магаданская Magadan|Московская Moscow|Мурманская Murmansk
|Нижегородская Nizhny-Novgorod|Новгородская Novgorod|Новосибирская Novosibirsk|Омская Omsk
|Оренбургская Orenburg|Орловская Oryol|Пензенская Penza|Псковская Pskov|Ростовская Rostov
|Рязанская Ryazan|Самарская Samara|Саратовская Saratov|Сахалинская Sakhalin
|Свердловская Sverdlovsk|Смоленская Smolensk|Тамбовская Tambov|Тверская Tver|Томская Tomsk
|Тульская Tula|Тюменская Tyumen|Ульяновская Ulyanovsk|Херсонская Kherson
|Челябинская Chelyabinsk|Ярославская Yaroslavl"""

_KRAIS = """Алтайский Altai|Забайкальский Zabaykalsky|Камчатский Kamchatka|Краснодарский Krasnodar
|Красноярский Krasnoyarsk|Пермский Perm|Приморский Primorsky|Ставропольский Stavropol
|Хабаровский Khabarovsk"""

# Official name; English name; other names people use (separated by ';').
_OTHERS = """Республика Адыгея;Republic of Adygea;Адыгея;Adygea;Adygeya
Республика Алтай;Altai Republic;Republic of Altai;Горный Алтай
Республика Башкортостан;Republic of Bashkortostan;Башкортостан;Башкирия;Bashkortostan;Bashkiria
Республика Бурятия;Republic of Buryatia;Бурятия;Buryatia
Республика Дагестан;Republic of Dagestan;Дагестан;Dagestan
Донецкая Народная Республика;Donetsk People's Republic;ДНР;DPR
Республика Ингушетия;Republic of Ingushetia;Ингушетия;Ingushetia
Кабардино-Балкарская Республика;Kabardino-Balkarian Republic;Кабардино-Балкария;КБР;Kabardino-Balkaria
Республика Калмыкия;Republic of Kalmykia;Калмыкия;Kalmykia
Карачаево-Черкесская Республика;Karachay-Cherkess Republic;Карачаево-Черкесия;КЧР;Karachay-Cherkessia
Республика Карелия;Republic of Karelia;Карелия;Karelia
Республика Коми;Komi Republic;Коми;Komi
Республика Крым;Republic of Crimea;Крым;Crimea
Луганская Народная Республика;Luhansk People's Republic;ЛНР;LPR;Lugansk People's Republic
Республика Марий Эл;Mari El Republic;Марий Эл;Mari El
Республика Мордовия;Republic of Mordovia;Мордовия;Mordovia
Республика Саха (Якутия);Sakha (Yakutia) Republic;Якутия;Саха;Yakutia;Sakha;Republic of Sakha
Республика Северная Осетия — Алания;Republic of North Ossetia–Alania;Северная Осетия;Северная Осетия-Алания;North Ossetia;North Ossetia-Alania
Республика Татарстан;Republic of Tatarstan;Татарстан;Tatarstan
Республика Тыва;Tuva Republic;Тыва;Тува;Tuva;Tyva
Удмуртская Республика;Udmurt Republic;Удмуртия;Udmurtia
Республика Хакасия;Republic of Khakassia;Хакасия;Khakassia;Khakasia
Чеченская Республика;Chechen Republic;Чечня;Chechnya
Чувашская Республика;Chuvash Republic;Чувашия;Chuvashia
Москва;Moscow;г. Москва;город Москва;Moskva
Санкт-Петербург;Saint Petersburg;г. Санкт-Петербург;Петербург;СПб;St. Petersburg;St Petersburg
Севастополь;Sevastopol;г. Севастополь
Еврейская автономная область;Jewish Autonomous Oblast;ЕАО;Jewish Autonomous Region
Ненецкий автономный округ;Nenets Autonomous Okrug;НАО;Nenets
Ханты-Мансийский автономный округ — Югра;Khanty-Mansi Autonomous Okrug – Yugra;ХМАО;Югра;ХМАО-Югра;Khanty-Mansi;Yugra
Чукотский автономный округ;Chukotka Autonomous Okrug;Чукотка;ЧАО;Chukotka
Ямало-Ненецкий автономный округ;Yamalo-Nenets Autonomous Okrug;ЯНАО;Ямал;Yamalo-Nenets;Yamal"""


def _split_pairs(block: str) -> list[tuple[str, str]]:
    items = [item.strip() for item in block.replace("\n", "").split("|")]
    return [(item.split(" ")[0], item.split(" ")[1].replace("-", " ")) for item in items]


def _subjects() -> list[tuple[Region, list[str]]]:
    found: list[tuple[Region, list[str]]] = []
    for adjective, stem in _split_pairs(_OBLASTS):
        region = Region(f"{adjective} область", f"{stem} Oblast", "subject")
        found.append((region, [f"{adjective} обл", f"{stem} Region", f"{stem} Oblast"]))
    for adjective, stem in _split_pairs(_KRAIS):
        region = Region(f"{adjective} край", f"{stem} Krai", "subject")
        found.append((region, [f"{stem} Territory", f"{stem} Region", f"{stem} Kray"]))
    for line in _OTHERS.splitlines():
        ru, en, *aliases = line.split(";")
        found.append((Region(ru, en, "subject"), aliases))
    return found


def normalize(text: str) -> str:
    text = text.casefold().replace("ё", "е")
    text = re.sub(r"[\-\u2010-\u2015.,()\"'«»’]", " ", text)
    return " ".join(text.split())


@cache
def _index() -> dict[str, Region]:
    index: dict[str, Region] = {}
    for region, aliases in _subjects():
        for name in (region.ru, region.en, *aliases):
            index[normalize(name)] = region
    for ru, en, *aliases in COUNTRIES:
        country = Region(ru, en, "country")
        for name in (ru, en, *aliases):
            index.setdefault(normalize(name), country)
    return index


def subjects() -> list[Region]:
    """The 89 subjects of the Russian Federation, in the order of the Constitution's kinds."""
    return [region for region, _ in _subjects()]


def countries() -> list[Region]:
    return [Region(ru, en, "country") for ru, en, *_ in COUNTRIES]


def find_region(text: str) -> Region | None:
    return _index().get(normalize(text))


def canonical_region(text: str) -> str | None:
    """The canonical Russian name of a subject or country, or None if we do not know it."""
    region = find_region(text)
    return region.ru if region else None
