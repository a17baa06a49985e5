"""Personal-data recognisers: positives in each language/format and hard negatives."""

from __future__ import annotations

import dataclasses

import pytest

from abusedesk.detection.pii import find_pii
from abusedesk.detection.prepare import prepare


def spans(text: str, lang: str) -> list[tuple[str, str]]:
    found = find_pii(prepare(text, lang))
    for s in found:
        assert text[s.start : s.end] == s.text
    return [(s.type, s.text) for s in found]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("She lives at 1600 Pennsylvania Avenue, Apt 4B, Washington, DC 20500 now", "en",
         ("address", "1600 Pennsylvania Avenue, Apt 4B, Washington, DC 20500")),
        ("his flat: Flat 3, 22 Donegall Road, Belfast BT12 5JN.", "en",
         ("address", "Flat 3, 22 Donegall Road, Belfast BT12 5JN")),
        ("postcode is SW1A 2AA apparently", "en", ("address", "SW1A 2AA")),
        ("she moved to 8 Castle Park, Galway H91 R2PK last year", "en", ("address", "8 Castle Park, Galway H91 R2PK")),
        ("vive en Calle del Pez 12, 2º A, 28004 Madrid desde marzo", "es",
         ("address", "Calle del Pez 12, 2º A, 28004 Madrid")),
        ("su casa: Av. Revolución 455, Col. San Ángel, C.P. 01000, Ciudad de México.", "es",
         ("address", "Av. Revolución 455, Col. San Ángel, C.P. 01000, Ciudad de México")),
        ("تسكن في شارع فلسطين، عمارة 4، الطابق الثاني، شقة 9، حي الروضة، جدة", "ar",
         ("address", "شارع فلسطين، عمارة 4، الطابق الثاني، شقة 9، حي الروضة، جدة")),
        ("text her on (312) 555-7788 tonight", "en", ("phone", "(312) 555-7788")),
        ("móvil 655 12 34 56", "es", ("phone", "655 12 34 56")),
        ("جوالها ٠٥٥١٢٣٤٥٦٧", "ar", ("phone", "٠٥٥١٢٣٤٥٦٧")),
        ("mail her at maria.lopez77@gmail.com", "es", ("email", "maria.lopez77@gmail.com")),
        ("DNI 12345678Z", "es", ("national_id", "12345678Z")),
        ("NIE X1234567L", "es", ("national_id", "X1234567L")),
        ("SSN 536-22-8726", "en", ("national_id", "536-22-8726")),
        ("NI number AB123456C", "en", ("national_id", "AB123456C")),
        ("PPS 1234567TW", "en", ("national_id", "1234567TW")),
        ("CURP HEGG560427MVZRRL04", "es", ("national_id", "HEGG560427MVZRRL04")),
        ("رقم الهوية 1000000008", "ar", ("national_id", "1000000008")),
        ("she is at 54.5973, -5.9301 every night", "en", ("coordinates", "54.5973, -5.9301")),
        ("40°25'08\"N 3°41'31\"W", "es", ("coordinates", "40°25'08\"N 3°41'31\"W")),
        ("her car reg is BD51 SMR", "en", ("licence_plate", "BD51 SMR")),
        ("matrícula 4821 KLM", "es", ("licence_plate", "4821 KLM")),
        ("her plate 7ABC123 in the lot", "en", ("licence_plate", "7ABC123")),
        ("رقم اللوحة ح ط ر 4821", "ar", ("licence_plate", "ح ط ر 4821")),
    ],
)
def test_recognises(text, lang, expected):
    assert expected in spans(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I walked 3 miles down the road and paid 12 dollars on 2024-05-01.", "en"),
        ("The match ended 3-1 after 90 minutes; 45,000 fans attended.", "en"),
        ("Version 2.10.3 fixes bug 123456789.", "en"),
        ("Ganamos 2-0 y costó 15 euros la entrada.", "es"),
        ("حصلنا على 95 درجة في الامتحان يوم 12 مايو", "ar"),
        ("Read chapter 12, pages 100-145, before class.", "en"),
    ],
)
def test_hard_negatives(text, lang):
    assert spans(text, lang) == []


def mixed(text: str, lang: str, langs: dict[str, float]) -> list[tuple[str, str]]:
    t = dataclasses.replace(prepare(text, lang), langs=langs)
    return [(s.type, s.text) for s in find_pii(t)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("I know where you live, Calle Mayor 5, 3º B, Madrid. Te vamos a encontrar muy pronto.",
      ("address", "Calle Mayor 5, 3º B, Madrid")),
     ("I know where you live: Calle Ancha 3 2ºA Cádiz. Nos vemos pronto, ya sabes.",
      ("address", "Calle Ancha 3 2ºA Cádiz")),
     ("I know where you live. Llámame al 612 345 678 si te atreves.", ("phone", "612 345 678"))],
)
def test_mixed_language_text_uses_the_patterns_of_every_language(text, expected):
    assert expected in mixed(text, "en", {"en": 0.55, "es": 0.45})


def test_phone_regions_follow_the_text_languages():
    text = "I know where you live. Llámame al 612 345 678 si te atreves."
    assert ("phone", "612 345 678") not in mixed(text, "en", {"en": 1.0})  # no Spanish share: US/GB/IE rules
    assert ("phone", "612 345 678") in mixed(text, "en", {"en": 0.6, "es": 0.4})


@pytest.mark.parametrize("text", ["خذ طريق الملك فهد ثم ارجع", "الطريق طويل جدا", "على طريقك يا صديقي",
                                  "هذا طريق الخير والسلام", "وقفنا في ميدان التحرير"])
def test_arabic_road_alone_is_not_an_address(text):
    assert spans(text, "ar") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("تسكن في طريق الملك فهد 12، الرياض", "طريق الملك فهد 12، الرياض"),
     ("بيتها على طريق المطار، حي النزهة، جدة", "طريق المطار، حي النزهة، جدة"),
     ("ساكنه في جادة الحمرا", "جادة الحمرا")],
)
def test_arabic_road_with_a_number_or_components_is_an_address(text, expected):
    assert ("address", expected) in spans(text, "ar")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Spain: street types, "de/del/de la" in names, floor and door, nº, s/n, km
        ("vive en Calle de la Princesa 14, 3º izq., 28008 Madrid.", "Calle de la Princesa 14, 3º izq., 28008 Madrid"),
        ("dirección: C/Mayor, nº 7, bajo B, Alcalá de Henares", "C/Mayor, nº 7, bajo B, Alcalá de Henares"),
        ("su piso: Avda. de Andalucía 112, 5º 2ª, 41005 Sevilla", "Avda. de Andalucía 112, 5º 2ª, 41005 Sevilla"),
        ("la nave está en Ctra. N-340, km 12, Estepona", "Ctra. N-340, km 12, Estepona"),
        ("vive en Carretera de Burgos km 4,5, San Sebastián de los Reyes",
         "Carretera de Burgos km 4,5, San Sebastián de los Reyes"),
        ("está en Camino Viejo de Leganés s/n, Getafe", "Camino Viejo de Leganés s/n, Getafe"),
        ("en Travesía del Conde 3, 1º dcha., Ourense hay", "Travesía del Conde 3, 1º dcha., Ourense"),
        ("vive en Glorieta de Quevedo 9, Madrid y trabaja", "Glorieta de Quevedo 9, Madrid"),
        ("Rambla del Raval 41, 08001 Barcelona", "Rambla del Raval 41, 08001 Barcelona"),
        ("Pza. del Carmen 2, piso 4, Cuenca", "Pza. del Carmen 2, piso 4, Cuenca"),
        ("Ronda de Segovia 31, 2º C, Madrid", "Ronda de Segovia 31, 2º C, Madrid"),
        ("Vía Layetana 70, Barcelona", "Vía Layetana 70, Barcelona"),
        ("Bulevar Vicente Blasco 17, Alicante", "Bulevar Vicente Blasco 17, Alicante"),
        ("Paseo del Prado 30, Madrid", "Paseo del Prado 30, Madrid"),
        # Mexico: Calzada, Prolongación, Andador, Privada, Cerrada, Circuito, Boulevard, Int., Col., Fracc., Torre
        ("Calzada de Guadalupe 410, Col. Vallejo, 07870 Ciudad de México",
         "Calzada de Guadalupe 410, Col. Vallejo, 07870 Ciudad de México"),
        ("Prolongación Morelos 77, Int. 3, Col. Centro, Cuernavaca",
         "Prolongación Morelos 77, Int. 3, Col. Centro, Cuernavaca"),
        ("Andador Zaragoza 14, Fracc. Las Palmas, Oaxaca", "Andador Zaragoza 14, Fracc. Las Palmas, Oaxaca"),
        ("Privada Allende 8, Colonia Obrera, Puebla", "Privada Allende 8, Colonia Obrera, Puebla"),
        ("Cerrada de los Cedros 23, Torre B, depto. 5, Coyoacán",
         "Cerrada de los Cedros 23, Torre B, depto. 5, Coyoacán"),
        ("Circuito Bosques 310, Col. Lomas, Zapopan", "Circuito Bosques 310, Col. Lomas, Zapopan"),
        ("Boulevard Díaz Ordaz 1200, Tijuana, Baja California", "Boulevard Díaz Ordaz 1200, Tijuana, Baja California"),
        # Colombia: Carrera/Cra./Kr, Diagonal, Transversal, "#45-12", apto, Barrio, Bº
        ("Carrera 11 # 93-07, Bogotá", "Carrera 11 # 93-07, Bogotá"),
        ("Cra. 43 No. 9-51, apto 804, Medellín", "Cra. 43 No. 9-51, apto 804, Medellín"),
        ("Kr 50A #61-20 Sur, Itagüí", "Kr 50A #61-20 Sur, Itagüí"),
        ("Calle 85 #14-22, Barrio El Chicó, Bogotá", "Calle 85 #14-22, Barrio El Chicó, Bogotá"),
        ("Diagonal 23B # 47-10, Cali", "Diagonal 23B # 47-10, Cali"),
        ("Transversal 9 # 120-45, Usaquén", "Transversal 9 # 120-45, Usaquén"),
        ("Calle Larga 45, Bº San Diego, Cartagena", "Calle Larga 45, Bº San Diego, Cartagena"),
        # Peru: Jirón/Jr., dpto, Mz./Lt.
        ("Jr. Huallaga 310, Cercado de Lima", "Jr. Huallaga 310, Cercado de Lima"),
        ("Jirón Junín 512, dpto 3, Breña", "Jirón Junín 512, dpto 3, Breña"),
        ("Calle Las Magnolias Mz. C Lt. 7, Ate", "Calle Las Magnolias Mz. C Lt. 7, Ate"),
        # Argentina and Chile: Pasaje, piso/depto., CPA postcodes
        ("Av. Rivadavia 5120, piso 6, depto. C, C1424CEN CABA", "Av. Rivadavia 5120, piso 6, depto. C, C1424CEN CABA"),
        ("Av. Cabildo 2040, 4º A, C1428 Buenos Aires", "Av. Cabildo 2040, 4º A, C1428 Buenos Aires"),
        ("Pasaje Las Acacias 1450, Ñuñoa, Santiago", "Pasaje Las Acacias 1450, Ñuñoa, Santiago"),
        ("Callejón del Gato 6, Guanajuato", "Callejón del Gato 6, Guanajuato"),
    ],
)
def test_recognises_spanish_and_latin_american_addresses(text, expected):
    assert ("address", expected) in spans(text, "es")


@pytest.mark.parametrize(
    "text",
    ["Hice el Camino de Santiago 3 veces y volvería.", "En el Circuito de Jerez 20 pilotos terminaron la carrera.",
     "Estudio la Carrera de Medicina 6 años más.", "La Ronda de Champions 16 equipos, qué nervios.",
     "ganó la carrera Fórmula 1 de Mónaco en 2023", "te lo mando vía WhatsApp 2 veces",
     "Privada de libertad 5 años", "la plaza tiene 12 bancos y 3 fuentes", "Cl 5 equipos en la Champions",
     "me pasé la calle 5 veces buscándote", "Ley 5/2020, de 3 de marzo, de presupuestos"],
)
def test_spanish_street_words_without_an_address_are_not_addresses(text):
    assert spans(text, "es") == []


@pytest.mark.parametrize("text", ["Robert Downey Jr. Iron Man 3 was great", "sent via Twitter 3 times, I think",
                                  "PO Box 123, Springfield is closed"])
def test_spanish_abbreviations_do_not_fire_in_english(text):
    assert [t for t, _ in spans(text, "en") if t == "address"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("vive en Calle Robles 12, Col. Juárez, Morelia. Reservas al 443 312 4567",
      "Calle Robles 12, Col. Juárez, Morelia"),
     ("He lives at 12 Baker Street, I think", "12 Baker Street")],
)
def test_an_address_stops_at_a_full_stop_or_a_clause(text, expected):
    assert ("address", expected) in spans(text, "es" if "vive" in text else "en")


def test_an_address_running_into_a_phone_number_keeps_its_street():
    assert spans("Calle Mayor 5, 655 12 34 56", "es") == [("address", "Calle Mayor 5"), ("phone", "655 12 34 56")]


@pytest.mark.parametrize("text", ["a solid career making at least 100k per year",
                                  "impregnate a 6ft girl to fix the gene issue"])
def test_plate_context_words_are_whole_words(text):
    assert spans(text, "en") == []
