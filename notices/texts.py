"""The words of the letters, per language (R-N3). A language is offered when it is complete here;
others get English with the taglines page."""

TEXTS = {
    "en": {
        "title": {
            "approval": "Approval notice",
            "change_approval": "Approval notice: your service was changed as asked",
            "denial": "Notice of Action: your request was denied",
            "modification": "Notice of Action: your request was changed",
            "termination": "Notice of Action: your service will end",
        },
        "dear": "Dear {name},",
        "about": "About: {service} from {provider}",
        "decision": {
            "approval": "{sender} approved {service} for you from {start} to {end}.",
            "change_approval": "{sender} approved the change asked for your {service}: "
            "{changes}. You can now get {service} from {provider} from {start} to {end}.",
            "denial": "{sender} denied the request for {service} that {provider} sent for you "
            "on {received}.",
            "modification": "{sender} approved {service} for you with changes: {changes}.",
            "termination": "{sender} is ending {service} for you. Your last day of service is "
            "{end}.",
        },
        "reason": "Why we made this decision",
        "criteria": "The rules we used",
        "criteria_ecm": "Department of Health Care Services (DHCS) Enhanced Care Management "
        "Policy Guide: eligibility through a Population of Focus; {sender}'s authorization "
        "policy.",
        "criteria_cs": "DHCS Community Supports Policy Guide: the eligibility criteria for "
        "{service}; {sender}'s authorization policy.",
        "explanation": "More about this decision",
        "rights_title": "What you can do if you disagree",
        "appeal": "You can ask CalOptima Health for an appeal. You must ask by {appeal_by} "
        "(60 days from the date of this letter). Call Customer Service or write to us.",
        "resolution": "We will send you our appeal decision within 30 days of receiving your "
        "appeal, or within 72 hours if waiting could seriously harm your health.",
        "hearing": "If you still disagree, or if we do not answer in time, you can ask for a "
        "State Hearing within 120 days of the date of our appeal decision letter.",
        "continue": "If your service is ending or being reduced, you can ask to keep getting it "
        "while your appeal is decided, if you ask within 10 days of this letter.",
        "approval_next": "Your provider will contact you to start the service. You will not "
        "need to do anything else now.",
        "change_next": "You do not need to do anything. Your provider will keep giving you the "
        "service on these dates.",
        "effective": "Date of action: {date}. This is the day this decision takes effect.",
        "contact": "Questions? Call CalOptima Health Customer Service at 1-888-587-8088 "
        "(TTY 711), Monday to Friday, 8 a.m. to 5:30 p.m. The call is free.",
        "date": "Date of this letter",
        "member_id": "Member ID",
        "your_rights": "Your Rights",
        "your_rights_body": [
            "You have the right to ask for an appeal of this decision, free of charge.",
            "You have the right to see and get copies of the records and rules used to make this "
            "decision, free of charge.",
            "You can have someone, such as a family member, friend, advocate or lawyer, help you "
            "or speak for you.",
            "To ask for a State Hearing, call the California Department of Social Services at "
            "1-800-743-8525 (TTY 1-800-952-8349) or write to the State Hearings Division.",
            "You can get free help from the Office of the Ombudsman at 1-888-452-8609, and from "
            "the DMHC Help Center at 1-888-466-2219.",
        ],
        "nondiscrimination": "Nondiscrimination notice",
        "nondiscrimination_body": "CalOptima Health follows state and federal civil rights "
        "laws. We do not discriminate, exclude people or treat them differently because of "
        "sex, race, color, religion, ancestry, national origin, ethnic group identification, "
        "age, mental disability, physical disability, medical condition, genetic information, "
        "marital status, gender, gender identity or sexual orientation. We provide free aids "
        "and services, such as qualified interpreters and written information in other "
        "formats (large print, audio, accessible electronic formats).",
        "taglines": "Language assistance",
        "sincerely": "Sincerely,",
        "utilization": "Utilization Management",
    },
    "es": {
        "title": {
            "approval": "Aviso de aprobación",
            "change_approval": "Aviso de aprobación: su servicio se cambió como se pidió",
            "denial": "Aviso de acción: su solicitud fue negada",
            "modification": "Aviso de acción: su solicitud fue modificada",
            "termination": "Aviso de acción: su servicio terminará",
        },
        "dear": "Estimado(a) {name}:",
        "about": "Asunto: {service} de {provider}",
        "decision": {
            "approval": "{sender} aprobó {service} para usted del {start} al {end}.",
            "change_approval": "{sender} aprobó el cambio pedido para su {service}: {changes}. "
            "Ahora puede recibir {service} de {provider} del {start} al {end}.",
            "denial": "{sender} negó la solicitud de {service} que {provider} envió para usted "
            "el {received}.",
            "modification": "{sender} aprobó {service} para usted con cambios: {changes}.",
            "termination": "{sender} terminará {service} para usted. Su último día de servicio "
            "es el {end}.",
        },
        "reason": "Por qué tomamos esta decisión",
        "criteria": "Las reglas que usamos",
        "criteria_ecm": "Guía de políticas de Administración de Atención Mejorada (ECM) del "
        "Departamento de Servicios de Cuidado de Salud (DHCS): elegibilidad por una Población "
        "de Enfoque; política de autorización de {sender}.",
        "criteria_cs": "Guía de políticas de Apoyos Comunitarios del DHCS: los criterios de "
        "elegibilidad para {service}; política de autorización de {sender}.",
        "explanation": "Más sobre esta decisión",
        "rights_title": "Qué puede hacer si no está de acuerdo",
        "appeal": "Puede pedir una apelación a CalOptima Health. Debe pedirla a más tardar el "
        "{appeal_by} (60 días desde la fecha de esta carta). Llame a Servicios al Cliente o "
        "escríbanos.",
        "resolution": "Le enviaremos nuestra decisión sobre la apelación dentro de 30 días de "
        "recibirla, o dentro de 72 horas si esperar podría dañar gravemente su salud.",
        "hearing": "Si aún no está de acuerdo, o si no respondemos a tiempo, puede pedir una "
        "Audiencia Estatal dentro de 120 días de la fecha de nuestra carta de decisión de "
        "apelación.",
        "continue": "Si su servicio termina o se reduce, puede pedir seguir recibiéndolo "
        "mientras se decide su apelación, si lo pide dentro de 10 días de esta carta.",
        "approval_next": "Su proveedor se comunicará con usted para empezar el servicio. No "
        "necesita hacer nada más por ahora.",
        "change_next": "No necesita hacer nada. Su proveedor seguirá dándole el servicio en "
        "estas fechas.",
        "effective": "Fecha de la acción: {date}. Es el día en que esta decisión entra en vigor.",
        "contact": "¿Preguntas? Llame a Servicios al Cliente de CalOptima Health al "
        "1-888-587-8088 (TTY 711), de lunes a viernes, de 8 a.m. a 5:30 p.m. La llamada es "
        "gratuita.",
        "date": "Fecha de esta carta",
        "member_id": "Número de miembro",
        "your_rights": "Sus derechos",
        "your_rights_body": [
            "Tiene derecho a pedir una apelación de esta decisión, sin costo.",
            "Tiene derecho a ver y obtener copias de los expedientes y reglas usados para esta "
            "decisión, sin costo.",
            "Puede pedir que alguien, como un familiar, amigo, defensor o abogado, le ayude o "
            "hable por usted.",
            "Para pedir una Audiencia Estatal, llame al Departamento de Servicios Sociales de "
            "California al 1-800-743-8525 (TTY 1-800-952-8349) o escriba a la División de "
            "Audiencias Estatales.",
            "Puede obtener ayuda gratuita de la Oficina del Ombudsman al 1-888-452-8609 y del "
            "Centro de Ayuda del DMHC al 1-888-466-2219.",
        ],
        "nondiscrimination": "Aviso de no discriminación",
        "nondiscrimination_body": "CalOptima Health cumple con las leyes estatales y federales "
        "de derechos civiles. No discriminamos, excluimos ni tratamos de manera diferente a "
        "las personas por su sexo, raza, color, religión, ascendencia, origen nacional, grupo "
        "étnico, edad, discapacidad mental o física, condición médica, información genética, "
        "estado civil, género, identidad de género u orientación sexual. Ofrecemos ayudas y "
        "servicios gratuitos, como intérpretes calificados e información escrita en otros "
        "formatos (letra grande, audio, formatos electrónicos accesibles).",
        "taglines": "Asistencia con el idioma",
        "sincerely": "Atentamente,",
        "utilization": "Administración de la Utilización",
    },
}

REASONS_ES = {
    "not_eligible": "Usted no es elegible para este servicio en la fecha solicitada.",
    "not_medically_appropriate": "La información que tenemos no muestra que este servicio sea "
    "médicamente apropiado para usted.",
    "not_cost_effective": "Este servicio no es una alternativa rentable a la atención cubierta "
    "para usted.",
    "duplicative": "Usted ya recibe un servicio que hace lo mismo.",
    "not_available_yet": "Este servicio todavía no se ofrecía en la fecha solicitada.",
    "insufficient_information": "No recibimos la información necesaria para aprobar la solicitud.",
    "provider_change": "Otro proveedor prestará el servicio.",
    "dates_or_units": "Aprobamos fechas o cantidades diferentes a las solicitadas.",
    "service_ended": "El servicio ya no es necesario o ha terminado.",
    "other": "Otra razón, explicada abajo.",
}

# Taglines: "If you need help in your language, call ..." in Orange County's threshold languages
# and more (R-M7, R-N4).
TAGLINES = [
    (
        "English",
        "ATTENTION: If you need help in your language, call 1-888-587-8088 (TTY 711). "
        "Aids and services for people with disabilities, like documents in large print, are also "
        "available. These services are free.",
    ),
    (
        "Español",
        "ATENCIÓN: Si necesita ayuda en su idioma, llame al 1-888-587-8088 (TTY 711). "
        "También ofrecemos ayudas y servicios para personas con discapacidades, como documentos en "
        "letra grande. Estos servicios son gratuitos.",
    ),
    (
        "Tiếng Việt",
        "CHÚ Ý: Nếu quý vị cần trợ giúp bằng ngôn ngữ của mình, vui lòng gọi "
        "1-888-587-8088 (TTY 711). Các dịch vụ này đều miễn phí.",
    ),
    (
        "한국어",
        "유의사항: 귀하의 언어로 도움을 받고 싶으시면 1-888-587-8088 (TTY 711) 번으로 "
        "문의하십시오. 이러한 서비스는 무료로 제공됩니다.",
    ),
    (
        "中文",
        "请注意：如果您需要以您的母语提供帮助，请致电 1-888-587-8088 (TTY 711)。"
        "这些服务都是免费的。",
    ),
    (
        "فارسی",
        "توجه: اگر می‌خواهید به زبان خود کمک دریافت کنید، با "
        "\u20661-888-587-8088 (TTY 711)\u2069 تماس بگیرید. این خدمات رایگان هستند.",
    ),
    (
        "العربية",
        "يُرجى الانتباه: إذا احتجت إلى المساعدة بلغتك، فاتصل بـ "
        "\u20661-888-587-8088 (TTY 711)\u2069. هذه الخدمات مجانية.",
    ),
    (
        "Tagalog",
        "PAUNAWA: Kung kailangan mo ng tulong sa iyong wika, tumawag sa 1-888-587-8088 "
        "(TTY 711). Libre ang mga serbisyong ito.",
    ),
    (
        "Русский",
        "ВНИМАНИЕ! Если вам нужна помощь на вашем языке, звоните по номеру "
        "1-888-587-8088 (TTY 711). Эти услуги бесплатны.",
    ),
]

RIGHT_TO_LEFT = {"فارسی", "العربية"}

MONTHS_ES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]


def format_date(day, language: str) -> str:
    if day is None:
        return "—"
    if language == "es":
        return f"{day.day} de {MONTHS_ES[day.month - 1]} de {day.year}"
    return f"{day:%B} {day.day}, {day.year}"


# Service names in Spanish letters (R-N6: a letter speaks one language); a service missing here
# keeps its stored name.
SERVICE_NAMES_ES = {
    "ECM": "Administración de Atención Mejorada (ECM)",
    "CS_HOUSING_NAVIGATION": "Servicios de transición y navegación de vivienda",
    "CS_HOUSING_DEPOSITS": "Depósitos de vivienda",
    "CS_HOUSING_TENANCY": "Servicios de arrendamiento y sostenimiento de vivienda",
    "CS_RECUPERATIVE_CARE": "Cuidado recuperativo (relevo médico)",
    "CS_POST_HOSPITALIZATION_HOUSING": "Vivienda a corto plazo después de la hospitalización",
    "CS_RESPITE": "Servicios de relevo para cuidadores",
    "CS_DAY_HABILITATION": "Programas de habilitación diurna",
    "CS_ASSISTED_LIVING_TRANSITION": "Transición a un centro de vida asistida",
    "CS_COMMUNITY_TRANSITION": "Servicios de transición a la comunidad",
    "CS_PERSONAL_CARE_HOMEMAKER": "Cuidado personal y servicios de ama de casa",
    "CS_HOME_MODIFICATIONS": "Adaptaciones de accesibilidad en el hogar",
    "CS_MEDICALLY_TAILORED_MEALS": "Comidas adaptadas por razones médicas",
    "CS_SOBERING_CENTERS": "Centros de sobriedad",
    "CS_ASTHMA_REMEDIATION": "Remediación del asma",
    "CS_TRANSITIONAL_RENT": "Renta de transición",
}


def service_name(service, language: str) -> str:
    if language == "es":
        return SERVICE_NAMES_ES.get(service.code, service.name)
    return service.name
