"""The built-in detectors' contracts: texts each promises to judge a certain way (see abusedesk.detection.contract).

Written for this purpose in the style of real posts, one clear case each; the hard negatives (figurative speech,
a quoted threat condemned, calls for jail, a business's address, someone's own number) are the ones a keyword list
gets wrong. They are a contract, not training data: no model is trained or tuned on them.
"""

from __future__ import annotations

from abusedesk.sdk.detection import Example


def _examples(category: str, rows: list[tuple[str, bool, str]]) -> tuple[Example, ...]:
    return tuple(Example(lang, category, text, expect) for lang, expect, text in
                 ((r[0], r[1], r[2]) for r in rows))


THREAT = _examples("threat", [
    ("en", True, "I'm going to break both your legs when I find you, you little rat."),
    ("en", True, "Keep posting about me and you'll end up in the ground, I promise you that."),
    ("en", False, "This leg day is killing me, I'm dead lol"),
    ("en", False, "He should be arrested and sued for every penny he has."),
    ("en", False, 'Someone replied "I will shoot you" under her post. Disgusting. I reported him, please do too.'),
    ("es", True, "Te voy a romper la cara cuando te vea, hijo de puta."),
    ("es", True, "Sigue hablando de mí y vas a acabar muerto, te lo juro."),
    ("es", False, "Me muero de risa con este vídeo jajaja"),
    ("es", False, "Le escribieron «te voy a matar» y nadie hizo nada. Qué vergüenza, denunciadlo."),
    ("ar", True, "والله لأقتلك لو شفتك مرة ثانية"),
    ("ar", True, "راح نذبحك يا كلب انت وعيلتك"),
    ("ar", False, "هذا الفيلم قتلني من الضحك"),
])

DOXXING = _examples("doxxing", [
    ("en", True, "This is the snitch's house: 14 Birchwood Avenue, Apt 3B, Dayton, OH 45402. Her red Corolla is "
                 "parked outside every night, go make her life hell."),
    ("en", False, "Visit our bakery at 221 Market Street, Dayton, OH 45402, open 8am to 6pm every day."),
    ("es", True, "Esta es la casa de la chivata: Calle de los Olivos 23, 3º B, 41003 Sevilla. Sale todos los días "
                 "a las 8 con su hijo, a ver si alguien le da un susto."),
    ("es", False, "Nuestra tienda está en la Avenida de la Constitución 12, 41001 Sevilla, abierta de 10 a 20 h."),
    ("ar", True, "هذا عنوان بيت الخاينة: حي النزهة، شارع الأمير سلطان، عمارة 12، شقة 4، جدة. تطلع كل يوم "
                 "الساعة 7 الصبح مع بنتها"),
    ("ar", False, "مطعمنا في شارع التحلية، عمارة 5، جدة، مفتوح من 12 الظهر حتى 12 الليل"),
])

HARASSMENT = _examples("harassment", [
    ("en", True, "You are a pathetic worthless idiot, nobody wants you here, log off forever."),
    ("en", False, "You're an absolute legend, thanks for the help yesterday!"),
    ("es", True, "Eres una imbécil y una inútil, nadie te soporta, lárgate ya."),
    ("es", False, "Eres un crack, gracias por la ayuda de ayer."),
    ("ar", True, "انت واحد حقير وتافه وما حد يطيقك"),
    ("ar", False, "انت انسان رائع شكرا على المساعدة"),
])

HATE = _examples("hate", [
    ("en", True, "Immigrants are vermin and every last one of them should be thrown out of this country."),
    ("en", False, "Immigrants built this city and they deserve our thanks."),
    ("es", True, "Los inmigrantes son una plaga y hay que echarlos a todos del país."),
    ("es", False, "Los inmigrantes aportan muchísimo a nuestro país."),
    ("ar", True, "المهاجرين حثالة ولازم يطردوهم كلهم من البلد"),
    ("ar", False, "المهاجرون جزء من مجتمعنا ويستحقون الاحترام"),
])

PII = _examples("pii", [
    ("en", True, "Text me on +34 612 345 678 about the bike."),
    ("en", False, "No numbers here, just saying hello to everyone."),
])

ENCODER = _examples("threat", [
    ("fr", True, "Je vais te tuer si tu reviens ici."),
    ("fr", False, "On se retrouve demain au marché pour le café."),
    ("pt", True, "Eu vou te matar se te vir aqui de novo."),
    ("pt", False, "A gente se vê amanhã na feira para um café."),
])
