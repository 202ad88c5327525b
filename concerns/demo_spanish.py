"""The Spanish of the demo concern categories (`concerns.demo`): names, groups,
descriptions, questions and their answers, as an administrator would enter them."""

from __future__ import annotations

STREETS = "Calles y aceras"
CLEAN = "Vecindarios limpios"
TRASH = "Basura y reciclaje"
PARKS = "Parques y árboles"

# code: (name, group, description)
CATEGORIES_ES = {
    "pothole": ("Bache", STREETS, "Un hoyo o pavimento roto en una calle o callejón."),
    "sidewalk": (
        "Acera dañada",
        STREETS,
        "Una acera, bordillo o rampa rota, levantada o bloqueada.",
    ),
    "streetlight": (
        "Poste de luz apagado",
        STREETS,
        "Un poste de luz apagado, que parpadea o que está encendido de día.",
    ),
    "traffic-signal": (
        "Problema con un semáforo",
        STREETS,
        "Un semáforo vehicular o peatonal apagado, atascado o dañado.",
    ),
    "street-sign": (
        "Señal de tránsito dañada o faltante",
        STREETS,
        "Un letrero con el nombre de la calle, de alto u otra señal que falta, está girada o "
        "dañada.",
    ),
    "graffiti": (
        "Grafiti",
        CLEAN,
        "Grafiti en propiedad pública, o en propiedad privada que da a la calle.",
    ),
    "missed-trash": (
        "Recolección de basura no realizada",
        TRASH,
        "No recogieron su basura, reciclaje o desechos de jardín el día de recolección.",
    ),
    "illegal-dumping": (
        "Vertido ilegal",
        TRASH,
        "Muebles, llantas, bolsas u otros desechos dejados en terreno público o junto a la calle.",
    ),
    "dead-animal": (
        "Animal muerto",
        TRASH,
        "Un animal muerto en una calle, acera u otro lugar público.",
    ),
    "park-maintenance": (
        "Mantenimiento de parques",
        PARKS,
        "Juegos infantiles, bancos, baños u otras instalaciones del parque dañados.",
    ),
    "fallen-tree": (
        "Árbol caído o peligroso",
        PARKS,
        "Un árbol o una rama grande que se cayó, o que parece que se va a caer, en terreno "
        "público.",
    ),
    "abandoned-vehicle": (
        "Vehículo abandonado",
        CLEAN,
        "Un vehículo que no se ha movido en más de 72 horas en una calle pública.",
    ),
}

# (category code, question code): (question, [answer names in the order of the English])
QUESTIONS_ES = {
    ("pothole", "size"): (
        "¿Qué tamaño tiene?",
        ["Más pequeño que un plato", "Hasta el tamaño de una llanta", "Más grande que una llanta"],
    ),
    ("pothole", "lane"): ("¿Qué carril o lado de la calle?", []),
    ("sidewalk", "blocked"): ("¿La acera está completamente bloqueada?", ["Sí", "No"]),
    ("streetlight", "pole_number"): ("Número del poste, si lo puede ver", []),
    ("streetlight", "problem"): (
        "¿Qué le pasa?",
        ["Está apagado de noche", "Parpadea", "Está encendido de día"],
    ),
    ("graffiti", "surface"): (
        "¿Dónde está?",
        ["Pared", "Letrero", "Poste o caja de servicios", "Puente", "Otra cosa"],
    ),
    ("graffiti", "offensive"): ("¿Es ofensivo o de odio?", ["Sí", "No"]),
    ("missed-trash", "stream"): (
        "¿Qué no recogieron?",
        ["Basura", "Reciclaje", "Desechos de jardín"],
    ),
    ("missed-trash", "collection_day"): ("¿Cuándo debían recogerlo?", []),
    ("illegal-dumping", "items"): ("¿Qué tiraron?", []),
    ("illegal-dumping", "bags"): ("¿Aproximadamente cuántas bolsas u objetos?", []),
    ("fallen-tree", "blocking"): (
        "¿Está bloqueando la calle o la acera?",
        ["La calle", "La acera", "Ninguna"],
    ),
    ("abandoned-vehicle", "plate"): ("Placa, si se ve", []),
    ("abandoned-vehicle", "since"): ("¿Desde cuándo está ahí?", []),
}
