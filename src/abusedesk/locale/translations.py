"""Spanish and Arabic texts for the public pages and notices, applied to the .po files by
`python src/abusedesk/locale/translations.py` after `django-admin makemessages`. Kept here so a reviewer
sees every string next to its translations; the compiled .mo files are generated from the .po files."""

from __future__ import annotations

TRANSLATIONS: dict[str, tuple[str, str]] = {
    "Do not send": ("No enviar", "لا تُرسل"),
    "Send anonymously": ("Enviar de forma anónima", "أرسل دون ذكر هويتي"),
    "Send my identity": ("Enviar mi identidad", "أرسل هويتي"),
    "I am the person affected, or reporting for them": ("Soy la persona afectada o informo en su nombre",
                                                        "أنا الشخص المتضرر أو أبلّغ نيابةً عنه"),
    "Rights holder": ("Titular de derechos", "صاحب حقوق"),
    "Addresses (URLs) of the content, one per line": ("Direcciones (URL) del contenido, una por línea",
                                                      "عناوين (روابط) المحتوى، رابط في كل سطر"),
    "What is wrong with it?": ("¿Qué problema tiene?", "ما المشكلة في هذا المحتوى؟"),
    "Threat of violence": ("Amenaza de violencia", "تهديد بالعنف"),
    "Doxxing (someone's private details)": ("Doxeo (datos privados de alguien)", "نشر معلومات شخصية خاصة (تشهير)"),
    "Targeted harassment": ("Acoso dirigido", "مضايقة موجّهة"),
    "Hate speech": ("Discurso de odio", "خطاب كراهية"),
    "Child sexual abuse material": ("Material de abuso sexual infantil", "مواد الاعتداء الجنسي على الأطفال"),
    "Terrorist content": ("Contenido terrorista", "محتوى إرهابي"),
    "Intimate images shared without consent": ("Imágenes íntimas compartidas sin consentimiento",
                                               "صور حميمة نُشرت دون موافقة"),
    "Scam, fraud or phishing": ("Estafa, fraude o phishing", "احتيال أو تصيّد"),
    "Malware": ("Software malicioso", "برمجيات خبيثة"),
    "Spam": ("Spam", "رسائل مزعجة"),
    "Intellectual property": ("Propiedad intelectual", "ملكية فكرية"),
    "Something else": ("Otra cosa", "أمر آخر"),
    "Explain why this content is abusive or illegal": ("Explique por qué este contenido es abusivo o ilegal",
                                                       "اشرح لماذا يعدّ هذا المحتوى مسيئًا أو غير قانوني"),
    "Your name": ("Su nombre", "اسمك"),
    "Your e-mail (for the receipt and our decision)": ("Su correo electrónico (para el acuse y nuestra decisión)",
                                                       "بريدك الإلكتروني (لإشعار الاستلام وقرارنا)"),
    "You are": ("Usted es", "أنت"),
    "The hosting provider": ("El proveedor de alojamiento", "مزوّد الاستضافة"),
    "The site owner": ("El propietario del sitio", "مالك الموقع"),
    "Law enforcement": ("Las fuerzas del orden", "جهات إنفاذ القانون"),
    "I confirm in good faith that the information in this notice is accurate and complete.": (
        "Confirmo de buena fe que la información de esta notificación es exacta y completa.",
        "أؤكد بحسن نية أن المعلومات الواردة في هذا البلاغ دقيقة وكاملة."),
    "Report abuse": ("Denunciar abuso", "الإبلاغ عن إساءة"),
    "Language": ("Idioma", "اللغة"),
    "Tell us about content on a site we serve. If someone's life is in danger, call your local emergency "
    "number first.": (
        "Cuéntenos sobre contenido en un sitio al que damos servicio. Si la vida de alguien corre peligro, "
        "llame primero al número de emergencias local.",
        "أخبرنا عن محتوى على موقع نقدّم له خدماتنا. إذا كانت حياة أحد في خطر، فاتصل أولًا برقم الطوارئ المحلي."),
    "Too many reports from your connection. Please try again in %(rate_limited)s seconds.": (
        "Demasiadas denuncias desde su conexión. Inténtelo de nuevo en %(rate_limited)s segundos.",
        "بلاغات كثيرة جدًا من اتصالك. حاول مرة أخرى بعد %(rate_limited)s ثانية."),
    "Please correct the problems marked below.": ("Corrija los problemas señalados abajo.",
                                                  "يرجى تصحيح المشكلات المشار إليها أدناه."),
    "About you": ("Sobre usted", "معلومات عنك"),
    "Who may see your identity?": ("¿Quién puede ver su identidad?", "من يمكنه الاطلاع على هويتك؟"),
    "We never give your identity to anyone you do not allow here.": (
        "Nunca damos su identidad a nadie que usted no autorice aquí.",
        "لا نكشف هويتك أبدًا لأي جهة لا تسمح لها بذلك هنا."),
    "Send report": ("Enviar denuncia", "أرسل البلاغ"),
    "Report received": ("Denuncia recibida", "تم استلام البلاغ"),
    "Thank you — we received your report": ("Gracias: hemos recibido su denuncia", "شكرًا لك — استلمنا بلاغك"),
    'Your report number is <strong id="report-id">%(report_id)s</strong>. Keep it: it is how you and we refer '
    "to this report.": (
        'Su número de denuncia es <strong id="report-id">%(report_id)s</strong>. Guárdelo: con él usted y '
        "nosotros nos referimos a esta denuncia.",
        'رقم بلاغك هو <strong id="report-id">%(report_id)s</strong>. احتفظ به: فهو المرجع بيننا وبينك لهذا البلاغ.'),
    "We will e-mail you a receipt, and later our decision and the reasons for it.": (
        "Le enviaremos un acuse de recibo por correo y, más tarde, nuestra decisión y sus motivos.",
        "سنرسل إليك إشعار استلام بالبريد الإلكتروني، ثم قرارنا وأسبابه لاحقًا."),
    "No such report": ("No existe esa denuncia", "لا يوجد بلاغ بهذا الرقم"),
    "%(field)s %(problem)s": ("%(field)s %(problem)s", "%(field)s %(problem)s"),
    "Your report %(report_id)s: not served by us": ("Su denuncia %(report_id)s: no es un sitio nuestro",
                                                   "بلاغك %(report_id)s: الموقع ليس ضمن خدماتنا"),
    "We looked at your report %(report_id)s. None of these addresses is served by us:": (
        "Revisamos su denuncia %(report_id)s. Ninguna de estas direcciones recibe servicio nuestro:",
        "راجعنا بلاغك %(report_id)s. لا نقدّم خدماتنا لأي من هذه العناوين:"),
    "We cannot act on content we do not serve. To find who does, use our lookup tool:": (
        "No podemos actuar sobre contenido al que no damos servicio. Para saber quién lo hace, use nuestra "
        "herramienta de consulta:",
        "لا يمكننا اتخاذ إجراء بشأن محتوى لا نخدمه. لمعرفة الجهة التي تخدمه استخدم أداة البحث لدينا:"),
    "Your report is kept on record; no one outside our team has seen it.": (
        "Su denuncia queda registrada; nadie fuera de nuestro equipo la ha visto.",
        "بلاغك محفوظ في سجلاتنا، ولم يطّلع عليه أحد من خارج فريقنا."),
    "We received your report %(report_id)s": ("Hemos recibido su denuncia %(report_id)s",
                                               "استلمنا بلاغك %(report_id)s"),
    "Thank you. We received your report %(report_id)s about:": (
        "Gracias. Hemos recibido su denuncia %(report_id)s sobre:", "شكرًا لك. استلمنا بلاغك %(report_id)s بشأن:"),
    "Category: %(category_label)s": ("Categoría: %(category_label)s", "الفئة: %(category_label)s"),
    "A person on our abuse team will review it. We will tell you what we decide and why.": (
        "Una persona de nuestro equipo de abusos la revisará. Le diremos qué decidimos y por qué.",
        "سيراجعه أحد أعضاء فريق مكافحة الإساءة لدينا، وسنبلغك بقرارنا وأسبابه."),
    "We do not share your identity with anyone unless you told us we may.": (
        "No compartimos su identidad con nadie salvo que usted nos lo haya permitido.",
        "لا نشارك هويتك مع أي جهة إلا إذا أذنت لنا بذلك."),
    "This confirms receipt under Article 16(4) of the EU Digital Services Act.": (
        "Esto confirma la recepción conforme al artículo 16, apartado 4, de la Ley de Servicios Digitales "
        "de la UE.",
        "يؤكد هذا الاستلام وفقًا للمادة 16(4) من قانون الخدمات الرقمية للاتحاد الأوروبي."),
    "Decision on your report %(report_id)s": ("Decisión sobre su denuncia %(report_id)s",
                                               "القرار بشأن بلاغك %(report_id)s"),
    "We have decided on your report %(report_id)s.": ("Hemos tomado una decisión sobre su denuncia %(report_id)s.",
                                                      "اتخذنا قرارًا بشأن بلاغك %(report_id)s."),
    "Decision: %(outcome_label)s": ("Decisión: %(outcome_label)s", "القرار: %(outcome_label)s"),
    "Under: %(policy_title)s": ("Con arreglo a: %(policy_title)s", "استنادًا إلى: %(policy_title)s"),
    "If you disagree, you can contest this decision within six months by replying to this message.": (
        "Si no está de acuerdo, puede impugnar esta decisión en un plazo de seis meses respondiendo a este "
        "mensaje.",
        "إذا لم توافق على القرار، يمكنك الاعتراض عليه خلال ستة أشهر بالرد على هذه الرسالة."),
}

# Decisions, statements of reasons and appeals (DSA Art. 17 and 20).
TRANSLATIONS.update({
    "Contest a decision": ("Impugnar una decisión", "الاعتراض على قرار"),
    "Decision D-%(ref)s: %(outcome)s.": ("Decisión D-%(ref)s: %(outcome)s.", "القرار D-%(ref)s: %(outcome)s."),
    "An appeal was already submitted through this link. We will tell you the outcome.": (
        "Ya se presentó un recurso mediante este enlace. Le comunicaremos el resultado.",
        "قُدّم اعتراض عبر هذا الرابط من قبل. سنبلغك بالنتيجة."),
    "You can appeal until %(d)s. A person who took no part in the decision will review it.": (
        "Puede recurrir hasta el %(d)s. Lo revisará una persona que no participó en la decisión.",
        "يمكنك الاعتراض حتى %(d)s. سيراجعه شخص لم يشارك في القرار."),
    "Submit appeal": ("Presentar recurso", "قدّم الاعتراض"),
    "We received your appeal": ("Hemos recibido su recurso", "استلمنا اعتراضك"),
    "A person who took no part in the decision will review it, and we will tell you the outcome.": (
        "Lo revisará una persona que no participó en la decisión y le comunicaremos el resultado.",
        "سيراجعه شخص لم يشارك في القرار، وسنبلغك بالنتيجة."),
    "Why should the decision be changed?": ("¿Por qué debería cambiarse la decisión?", "لماذا ينبغي تغيير القرار؟"),
    "No action": ("Ninguna medida", "لا إجراء"),
    "Warning": ("Advertencia", "تحذير"),
    "Restriction of access (interstitial or geo-block)": (
        "Restricción del acceso (página intermedia o bloqueo geográfico)", "تقييد الوصول (صفحة تحذيرية أو حجب جغرافي)"),
    "Notice forwarded to the hosting provider": ("Notificación reenviada al proveedor de alojamiento",
                                                 "أُحيل البلاغ إلى مزوّد الاستضافة"),
    "Suspension of our service": ("Suspensión de nuestro servicio", "تعليق خدمتنا"),
    "Termination of our service": ("Terminación de nuestro servicio", "إنهاء خدمتنا"),
    "Referral to law enforcement": ("Remisión a las fuerzas del orden", "إحالة إلى جهات إنفاذ القانون"),
    "Outcome of your appeal %(reference)s": ("Resultado de su apelación %(reference)s", "نتيجة اعتراضك %(reference)s"),
    "Your appeal was upheld: the decision has been reversed.": (
        "Su apelación ha sido estimada: la decisión se ha revocado.", "قُبل اعتراضك: أُلغي القرار."),
    "Your appeal was reviewed and the decision stands.": (
        "Su apelación ha sido revisada y la decisión se mantiene.", "رُوجع اعتراضك ويبقى القرار قائمًا."),
    "Reasons given by the reviewer:": ("Motivos indicados por la persona revisora:", "الأسباب التي قدّمها المراجع:"),
    "You may also refer the dispute to a certified out-of-court dispute settlement body (Article 21 DSA), or go to "
    "court.": (
        "También puede someter el litigio a un órgano certificado de resolución extrajudicial de litigios "
        "(artículo 21 de la DSA) o acudir a los tribunales.",
        "يمكنك أيضًا إحالة النزاع إلى هيئة معتمدة لتسوية النزاعات خارج المحاكم (المادة 21 من قانون الخدمات "
        "الرقمية) أو اللجوء إلى القضاء."),
    "If you disagree, you can contest this decision until %(appeal_deadline)s: %(appeal_url)s": (
        "Si no está de acuerdo, puede impugnar esta decisión hasta el %(appeal_deadline)s: %(appeal_url)s",
        "إذا لم توافق، يمكنك الاعتراض على هذا القرار حتى %(appeal_deadline)s: %(appeal_url)s"),
    "A person who took no part in the decision will review your appeal.": (
        "Revisará su recurso una persona que no participó en la decisión.", "سيراجع اعتراضك شخص لم يشارك في القرار."),
    "Statement of reasons %(ref)s: %(outcome)s for %(property)s": (
        "Declaración de motivos %(ref)s: %(outcome)s para %(property)s",
        "بيان الأسباب %(ref)s: %(outcome)s بشأن %(property)s"),
    "Statement of reasons (Article 17 of the EU Digital Services Act)": (
        "Declaración de motivos (artículo 17 de la Ley de Servicios Digitales de la UE)",
        "بيان الأسباب (المادة 17 من قانون الخدمات الرقمية للاتحاد الأوروبي)"),
    "1. Decision": ("1. Decisión", "1. القرار"),
    "We have decided: %(label)s.": ("Hemos decidido: %(label)s.", "قررنا: %(label)s."),
    "Concerns: %(props)s (our services: %(svc)s).": ("Afecta a: %(props)s (nuestros servicios: %(svc)s).",
                                                     "يخص: %(props)s (خدماتنا: %(svc)s)."),
    "In effect from: %(when)s.": ("En vigor desde: %(when)s.", "ساري المفعول منذ: %(when)s."),
    "Territorial scope: %(scope)s.": ("Ámbito territorial: %(scope)s.", "النطاق الجغرافي: %(scope)s."),
    "Territorial scope: everywhere we provide the service.": (
        "Ámbito territorial: todos los lugares donde prestamos el servicio.",
        "النطاق الجغرافي: كل مكان نقدّم فيه الخدمة."),
    "Duration: %(days)s days.": ("Duración: %(days)s días.", "المدة: %(days)s يومًا."),
    "Duration: until further notice.": ("Duración: hasta nuevo aviso.", "المدة: حتى إشعار آخر."),
    "2. Facts and circumstances": ("2. Hechos y circunstancias", "2. الوقائع والظروف"),
    "The decision follows a notice submitted to us about content on this property. The notifier's identity is not "
    "disclosed.": (
        "La decisión sigue a una notificación que recibimos sobre contenido de esta propiedad. No se revela la "
        "identidad de quien notificó.",
        "جاء القرار بعد بلاغ تلقيناه بشأن محتوى على هذا الموقع. لا نكشف هوية المبلِّغ."),
    "The decision follows our own investigation.": ("La decisión sigue a nuestra propia investigación.",
                                                    "جاء القرار بعد تحقيق أجريناه بأنفسنا."),
    "3. Automated means": ("3. Medios automatizados", "3. الوسائل الآلية"),
    "Automated means were used to detect the content.": (
        "Se utilizaron medios automatizados para detectar el contenido.", "استُخدمت وسائل آلية لاكتشاف المحتوى."),
    "No automated means were used to detect the content.": (
        "No se utilizaron medios automatizados para detectar el contenido.", "لم تُستخدم وسائل آلية لاكتشاف المحتوى."),
    "The decision was taken by people, with a second person's approval where required.": (
        "La decisión la tomaron personas, con la aprobación de una segunda persona cuando era necesaria.",
        "اتخذ القرارَ أشخاصٌ، مع موافقة شخص ثانٍ حيث يلزم ذلك."),
    "The decision was taken partly by automated means.": ("La decisión se tomó en parte por medios automatizados.",
                                                          "اتُّخذ القرار جزئيًا بوسائل آلية."),
    "4. Ground": ("4. Fundamento", "4. الأساس"),
    "Legal ground: the content is considered illegal.": ("Fundamento jurídico: el contenido se considera ilegal.",
                                                         "الأساس القانوني: يُعدّ المحتوى غير قانوني."),
    "Contractual ground: the content is incompatible with our terms of service.": (
        "Fundamento contractual: el contenido es incompatible con nuestras condiciones de servicio.",
        "الأساس التعاقدي: يتعارض المحتوى مع شروط الخدمة لدينا."),
    "Explanation:": ("Explicación:", "التوضيح:"),
    "5. Your options for redress": ("5. Sus vías de recurso", "5. سُبل الانتصاف المتاحة لك"),
    "You may contest this decision through our internal complaint system until %(deadline)s: %(url)s. A person who "
    "took no part in the decision will review it.": (
        "Puede impugnar esta decisión mediante nuestro sistema interno de reclamaciones hasta el %(deadline)s: "
        "%(url)s. La revisará una persona que no participó en la decisión.",
        "يمكنك الاعتراض على هذا القرار عبر نظام الشكاوى الداخلي لدينا حتى %(deadline)s: %(url)s. سيراجعه شخص لم "
        "يشارك في القرار."),
})

# Misuse (DSA Art. 23).
TRANSLATIONS.update({
    "Warning about manifestly unfounded notices": ("Advertencia sobre notificaciones manifiestamente infundadas",
                                                   "تحذير بشأن بلاغات لا أساس لها بشكل واضح"),
    "In the last %(window_days)s days, %(count)s of your notices were manifestly unfounded.": (
        "En los últimos %(window_days)s días, %(count)s de sus notificaciones eran manifiestamente infundadas.",
        "خلال آخر %(window_days)s يومًا، كان %(count)s من بلاغاتك بلا أساس بشكل واضح."),
    "If this continues, we will suspend the processing of your notices for a period (Article 23 of the EU Digital "
    "Services Act).": (
        "Si esto continúa, suspenderemos durante un tiempo la tramitación de sus notificaciones (artículo 23 de la "
        "Ley de Servicios Digitales de la UE).",
        "إذا استمر ذلك، فسنعلّق معالجة بلاغاتك لفترة (المادة 23 من قانون الخدمات الرقمية للاتحاد الأوروبي)."),
    "If you think this assessment is wrong, reply to this message.": (
        "Si cree que esta valoración es errónea, responda a este mensaje.",
        "إذا رأيت أن هذا التقييم خاطئ، فرُدّ على هذه الرسالة."),
    "Processing of your notices is suspended": ("Se ha suspendido la tramitación de sus notificaciones",
                                                "عُلّقت معالجة بلاغاتك"),
    "In the last %(window_days)s days, %(count)s of your notices were manifestly unfounded. We have suspended the "
    "processing of notices from you until %(until)s (Article 23 of the EU Digital Services Act).": (
        "En los últimos %(window_days)s días, %(count)s de sus notificaciones eran manifiestamente infundadas. "
        "Hemos suspendido la tramitación de sus notificaciones hasta el %(until)s (artículo 23 de la Ley de "
        "Servicios Digitales de la UE).",
        "خلال آخر %(window_days)s يومًا، كان %(count)s من بلاغاتك بلا أساس بشكل واضح. علّقنا معالجة بلاغاتك حتى "
        "%(until)s (المادة 23 من قانون الخدمات الرقمية للاتحاد الأوروبي)."),
    "If you think this decision is wrong, reply to this message: a person will review it.": (
        "Si cree que esta decisión es errónea, responda a este mensaje: una persona la revisará.",
        "إذا رأيت أن هذا القرار خاطئ، فرُدّ على هذه الرسالة وسيراجعه شخص."),
})

TRANSLATIONS.update({
    "It will be carried out on %(when)s; an appeal submitted before then holds it until the appeal is reviewed.": (
        "Se ejecutará el %(when)s; un recurso presentado antes lo suspende hasta que se revise.",
        "سيُنفَّذ في %(when)s؛ والاعتراض المقدَّم قبل ذلك يوقف التنفيذ إلى أن تتم مراجعته."),
})

# Report form validation (intake/forms.py): said to a person, in their language.
TRANSLATIONS.update({
    "is empty.": ("está vacía.", "فارغ."),
    "contains a space, a control character or a backslash. Copy the address from the browser's address bar.": (
        "contiene un espacio, un carácter de control o una barra invertida. Copie la dirección de la barra de "
        "direcciones del navegador.",
        "يحتوي على مسافة أو محرف تحكم أو شرطة مائلة عكسية. انسخ العنوان من شريط العنوان في المتصفح."),
    "has a malformed host name (check the square brackets).": (
        "tiene un nombre de servidor mal formado (revise los corchetes).",
        "يحتوي على اسم مضيف غير سليم (تحقق من الأقواس المربعة)."),
    "must start with http:// or https://.": ("debe empezar por http:// o https://.",
                                             "يجب أن يبدأ بـ \u2068http://\u2069 أو \u2068https://\u2069."),
    "must not contain a user name or password.": ("no debe contener un nombre de usuario ni una contraseña.",
                                                  "يجب ألا يحتوي على اسم مستخدم أو كلمة مرور."),
    "has an invalid port number.": ("tiene un número de puerto no válido.", "يحتوي على رقم منفذ غير صالح."),
    "has no host name.": ("no tiene nombre de servidor.", "لا يحتوي على اسم مضيف."),
    "has a host that looks like an IP address written in an unusual form.": (
        "tiene un servidor que parece una dirección IP escrita de forma inusual.",
        "يحتوي على مضيف يشبه عنوان IP مكتوبًا بصيغة غير معتادة."),
    "has a host name that is not valid.": ("tiene un nombre de servidor no válido.", "يحتوي على اسم مضيف غير صالح."),
    "Choose one of the options.": ("Elija una de las opciones.", "اختر أحد الخيارات."),
    "This is too long: at most %(limit_value)d characters (it has %(show_value)d).": (
        "Es demasiado largo: como máximo %(limit_value)d caracteres (tiene %(show_value)d).",
        "النص طويل جدًا: الحد الأقصى %(limit_value)d حرفًا (وفيه %(show_value)d)."),
    "Enter the address (URL) of the content.": ("Escriba la dirección (URL) del contenido.",
                                                "أدخل عنوان (رابط) المحتوى."),
    "Choose what is wrong with the content.": ("Elija qué problema tiene el contenido.",
                                               "اختر المشكلة في هذا المحتوى."),
    "Say why the content is abusive or illegal.": ("Explique por qué el contenido es abusivo o ilegal.",
                                                   "اشرح لماذا يعدّ المحتوى مسيئًا أو غير قانوني."),
    "Enter your e-mail address, like name@example.org.": (
        "Escriba su dirección de correo electrónico, por ejemplo nombre@example.org.",
        "أدخل عنوان بريدك الإلكتروني، مثل \u2068name@example.org\u2069."),
    "Tick this box to confirm the report is accurate.": (
        "Marque esta casilla para confirmar que la denuncia es exacta.",
        "ضع علامة في هذا المربع لتأكيد أن البلاغ دقيق."),
    "is not a valid web address.": ("no es una dirección web válida.", "ليس عنوان ويب صالحًا."),
    "Line %(line)s, %(url)s, %(problem)s": ("Línea %(line)s, %(url)s, %(problem)s",
                                            "السطر %(line)s، %(url)s، %(problem)s"),
    "Enter at least one address, and at most %(limit)s.": ("Escriba al menos una dirección y como máximo %(limit)s.",
                                                           "أدخل عنوانًا واحدًا على الأقل، و%(limit)s على الأكثر."),
    "Say why the content is abusive or illegal, in at most %(limit)s characters.": (
        "Explique por qué el contenido es abusivo o ilegal, en %(limit)s caracteres como máximo.",
        "اشرح لماذا يعدّ المحتوى مسيئًا أو غير قانوني، في %(limit)s حرفًا على الأكثر."),
    "Write your name on one line.": ("Escriba su nombre en una sola línea.", "اكتب اسمك في سطر واحد."),
    "Something in the report is not valid.": ("Algo en la denuncia no es válido.", "هناك شيء غير صالح في البلاغ."),
})

# The reporter's status page (intake/templates/intake/status.html).
TRANSLATIONS.update({
    "Your report": ("Su denuncia", "بلاغك"),
    "Report number": ("Número de denuncia", "رقم البلاغ"),
    "Received": ("Recibida", "تاريخ الاستلام"),
    "Status": ("Estado", "الحالة"),
    "Decided: %(outcome)s": ("Decidida: %(outcome)s", "صدر القرار: %(outcome)s"),
    "Not served by us: we cannot act on it.": ("No lo servimos nosotros: no podemos actuar.",
                                               "لا نقدّم الخدمة لهذا الموقع: لا يمكننا اتخاذ إجراء بشأنه."),
    "A person on our abuse team is reviewing it.": ("Una persona de nuestro equipo de abusos la está revisando.",
                                                    "يراجعه شخص من فريق مكافحة الإساءة لدينا."),
    "Closed.": ("Cerrada.", "مغلق."),
    "Received, waiting to be checked.": ("Recibida, pendiente de revisión.", "تم استلامه، وينتظر الفحص."),
    "None of these sites is served by us:": ("Ninguno de estos sitios es servido por nosotros:",
                                             "لا نقدّم الخدمة لأي من هذه المواقع:"),
    "Find out who serves it and where to report it": ("Averigüe quién lo sirve y dónde denunciarlo",
                                                       "اعرف من يقدّم الخدمة له وأين تبلّغ عنه"),
    "Anyone with this link can see this page. It shows nothing about you.": (
        "Cualquiera con este enlace puede ver esta página. No muestra nada sobre usted.",
        "يمكن لأي شخص لديه هذا الرابط رؤية هذه الصفحة. لا تعرض أي شيء عنك."),
    "Keep the address of this page: it is how you follow your report. We will also e-mail you a receipt, and "
    "later our decision and the reasons for it.": (
        "Guarde la dirección de esta página: con ella puede seguir su denuncia. También le enviaremos por correo "
        "un acuse y, más adelante, nuestra decisión y sus motivos.",
        "احتفظ بعنوان هذه الصفحة: به تتابع بلاغك. وسنرسل إليك أيضًا إشعار استلام بالبريد الإلكتروني، ثم قرارنا "
        "وأسبابه لاحقًا."),
})


# Confirming a notice from the reporter's mailbox (intake/confirm.py); receipts that repeat nothing a sender chose.
TRANSLATIONS.update({
    "Thank you. We received your report %(report_id)s.": (
        "Gracias. Hemos recibido su denuncia %(report_id)s.", "شكرًا لك. استلمنا بلاغك %(report_id)s."),
    "See where it stands: %(status_url)s": ("Vea en qué punto está: %(status_url)s",
                                            "تابِع حالته هنا: %(status_url)s"),
    "If you sent this report, please confirm it: %(confirm_url)s": (
        "Si usted envió esta denuncia, confírmela: %(confirm_url)s",
        "إذا كنت أنت من أرسل هذا البلاغ، فأكّده من فضلك: %(confirm_url)s"),
    "If you did not send it, ignore this e-mail: someone else gave your address.": (
        "Si no la envió, ignore este correo: otra persona indicó su dirección.",
        "إذا لم ترسله، فتجاهل هذه الرسالة: شخص آخر أدخل عنوانك."),
    "We looked at your report %(report_id)s. The addresses in it are not served by us, so we cannot act on them.": (
        "Revisamos su denuncia %(report_id)s. Las direcciones que contiene no las servimos nosotros, así que no "
        "podemos actuar sobre ellas.",
        "راجعنا بلاغك %(report_id)s. العناوين الواردة فيه لا نقدّم لها الخدمة، لذا لا يمكننا اتخاذ إجراء بشأنها."),
    "Your report's page says who serves them and where to report them: %(status_url)s": (
        "La página de su denuncia indica quién las sirve y dónde denunciarlas: %(status_url)s",
        "تبيّن صفحة بلاغك من يقدّم لها الخدمة وأين تبلّغ عنها: %(status_url)s"),
    "Confirm your report": ("Confirme su denuncia", "أكّد بلاغك"),
    "Thank you — your report is confirmed": ("Gracias: su denuncia está confirmada", "شكرًا لك — تم تأكيد بلاغك"),
    "We now know this report came from you.": ("Ahora sabemos que esta denuncia es suya.",
                                               "نعرف الآن أن هذا البلاغ منك."),
    "Did you send this report?": ("¿Envió usted esta denuncia?", "هل أرسلت هذا البلاغ؟"),
    "Yes, I sent this report": ("Sí, envié esta denuncia", "نعم، أنا أرسلت هذا البلاغ"),
    "If you did not send it, close this page: someone else gave your address, and nothing will be held against "
    "you.": ("Si no la envió, cierre esta página: otra persona indicó su dirección y nada se le tendrá en cuenta.",
             "إذا لم ترسله، فأغلق هذه الصفحة: شخص آخر أدخل عنوانك، ولن يُحسب عليك شيء."),
    "See where your report stands": ("Vea en qué punto está su denuncia", "تابِع حالة بلاغك"),
    "This link is not valid or has expired": ("Este enlace no es válido o ha caducado",
                                              "هذا الرابط غير صالح أو انتهت صلاحيته"),
})


def apply(locale_dir: str) -> list[str]:
    """Fill the .po files and return msgids that still lack a translation."""
    import polib  # a development tool, only needed when strings change

    missing: list[str] = []
    for index, lang in enumerate(("es", "ar")):
        po = polib.pofile(f"{locale_dir}/{lang}/LC_MESSAGES/django.po")
        for entry in po:
            if entry.msgid in TRANSLATIONS:
                entry.msgstr = TRANSLATIONS[entry.msgid][index]
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            elif not entry.msgstr:
                missing.append(f"{lang}: {entry.msgid}")
        po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
        po.save()
    return missing


if __name__ == "__main__":
    import os
    import sys

    gaps = apply(os.path.dirname(os.path.abspath(__file__)))
    print("\n".join(gaps) or "all strings translated")
    sys.exit(1 if gaps else 0)
