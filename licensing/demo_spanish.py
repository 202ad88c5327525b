"""The Spanish of the demo license types (`licensing.demo`): names, categories, descriptions,
eligibility, documents, questions and choices, as an administrator would enter them."""

from __future__ import annotations

# code: (name, category, description, eligibility)
TYPES_ES = {
    "barber": (
        "Licencia de barbero",
        "Cuidado personal",
        "Cortar, recortar y peinar el cabello y la barba a cambio de pago.",
        "Debe tener 16 años o más y haber completado 1,000 horas en una escuela de barbería "
        "con licencia.",
    ),
    "cosmetologist": (
        "Licencia de cosmetólogo",
        "Cuidado personal",
        "Servicios de cabello, piel y uñas a cambio de pago.",
        "1,500 horas en una escuela de cosmetología con licencia y un examen estatal aprobado.",
    ),
    "electrician": (
        "Licencia de contratista eléctrico",
        "Oficios de la construcción",
        "Instalar y reparar el cableado eléctrico de los edificios del municipio.",
        "Un electricista oficial o maestro con seguro de responsabilidad civil.",
    ),
    "plumber": (
        "Licencia de contratista de plomería",
        "Oficios de la construcción",
        "Instalar y reparar tuberías de agua y desagüe en los edificios del municipio.",
        "Una licencia estatal de plomería y un seguro de responsabilidad civil.",
    ),
    "real-estate-broker": (
        "Licencia de corredor de bienes raíces",
        "Servicios profesionales",
        "Dirigir una correduría de bienes raíces con oficina en el municipio.",
        "Una licencia estatal de corredor de bienes raíces.",
    ),
    "tattoo-artist": (
        "Licencia de tatuaje y arte corporal",
        "Cuidado personal",
        "Tatuajes, perforaciones y maquillaje permanente.",
        "18 años o más, con capacitación sobre patógenos transmitidos por la sangre en el "
        "último año.",
    ),
    "veterinarian": (
        "Licencia de práctica veterinaria",
        "Salud",
        "Dirigir una clínica veterinaria en el municipio.",
        "Un veterinario con licencia del estado.",
    ),
    "food-truck": (
        "Licencia de vendedor en camión de comida",
        "Alimentos y bebidas",
        "Vender comida desde un camión o carrito en la vía pública y en eventos.",
        "Un vehículo que aprobó las inspecciones de bomberos y de salud.",
    ),
    "general-business": (
        "Licencia comercial general",
        "Negocios",
        "Todo negocio con local en el municipio necesita una, sea cual sea su actividad.",
        "Cualquier negocio registrado en el estado.",
    ),
    "dog": (
        "Licencia de perro",
        "Mascotas",
        "Todo perro de más de 4 meses que vive en el municipio debe tener licencia cada año.",
        "El dueño del perro, con una vacuna antirrábica vigente.",
    ),
    "childcare-provider": (
        "Licencia de proveedor de cuidado infantil",
        "Salud",
        "Cuidar a niños que no son suyos a cambio de pago, en casa o en un centro.",
        "18 años o más, con verificación de antecedentes de cada adulto en el lugar.",
    ),
    "liquor": (
        "Licencia de bebidas alcohólicas",
        "Alimentos y bebidas",
        "Vender o servir alcohol en un restaurante, bar o tienda.",
        "Una licencia estatal de bebidas alcohólicas y una licencia comercial general para "
        "el local.",
    ),
}

# English document name: (Spanish name, Spanish description)
DOCUMENTS_ES = {
    "Barber school certificate": (
        "Certificado de la escuela de barbería",
        "Muestra sus 1,000 horas.",
    ),
    "Photo ID": ("Identificación con foto", ""),
    "School certificate": ("Certificado de la escuela", ""),
    "Exam result": ("Resultado del examen", ""),
    "Certificate of liability insurance": (
        "Certificado de seguro de responsabilidad civil",
        "Al menos $1,000,000 por reclamación.",
    ),
    "State electrician card": ("Tarjeta estatal de electricista", ""),
    "State plumbing license": ("Licencia estatal de plomería", ""),
    "State broker license": ("Licencia estatal de corredor", ""),
    "Office lease or deed": ("Contrato de arrendamiento o escritura de la oficina", ""),
    "Blood-borne pathogens training certificate": (
        "Certificado de capacitación sobre patógenos transmitidos por la sangre",
        "",
    ),
    "State veterinary license": ("Licencia veterinaria estatal", ""),
    "Controlled substances registration": ("Registro de sustancias controladas", ""),
    "Health inspection report": ("Informe de inspección de salud", ""),
    "Vehicle registration": ("Registro del vehículo", ""),
    "Fire inspection": ("Inspección de bomberos", ""),
    "State business registration": ("Registro estatal del negocio", ""),
    "Rabies vaccination certificate": (
        "Certificado de vacunación antirrábica",
        "De su veterinario.",
    ),
    "Background check clearance": (
        "Verificación de antecedentes aprobada",
        "De cada adulto en el lugar.",
    ),
    "First aid and CPR certificate": ("Certificado de primeros auxilios y RCP", ""),
    "Floor plan": ("Plano del local", ""),
    "State liquor license": ("Licencia estatal de bebidas alcohólicas", ""),
    "Server training certificates": ("Certificados de capacitación de meseros", ""),
}

# English question: Spanish question
QUESTIONS_ES = {
    "Name of your barber school": "Nombre de su escuela de barbería",
    "Hours of training completed": "Horas de capacitación completadas",
    "Are you licensed in another state?": "¿Tiene licencia en otro estado?",
    "Which state?": "¿Qué estado?",
    "Which services will you offer?": "¿Qué servicios ofrecerá?",
    "When did you pass the state exam?": "¿Cuándo aprobó el examen estatal?",
    "Your grade": "Su categoría",
    "How many electricians work for you?": "¿Cuántos electricistas trabajan para usted?",
    "Have you had a code violation in the last 5 years?": (
        "¿Ha tenido una infracción del código en los últimos 5 años?"
    ),
    "Tell us what happened": "Cuéntenos qué pasó",
    "State plumbing license number": "Número de licencia estatal de plomería",
    "Will you also work on gas lines?": "¿También trabajará en líneas de gas?",
    "Gas fitter certificate": "Certificado de instalador de gas",
    "Office address": "Dirección de la oficina",
    "Number of agents": "Número de agentes",
    "Studio where you work": "Estudio donde trabaja",
    "What do you practise?": "¿Qué practica?",
    "Date of your pathogens training": "Fecha de su capacitación sobre patógenos",
    "Clinic name": "Nombre de la clínica",
    "Animals treated": "Animales que atiende",
    "Do you offer after-hours emergency care?": (
        "¿Ofrece atención de emergencia fuera del horario?"
    ),
    "License plate of the vehicle": "Placa del vehículo",
    "Do you cook on board?": "¿Cocina a bordo?",
    "Cooking fuel": "Combustible para cocinar",
    "What do you sell?": "¿Qué vende?",
    "What does your business do?": "¿A qué se dedica su negocio?",
    "Number of employees": "Número de empleados",
    "Is the business run from your home?": "¿El negocio funciona desde su casa?",
    "Dog's name": "Nombre del perro",
    "Breed": "Raza",
    "Is the dog spayed or neutered?": "¿El perro está esterilizado o castrado?",
    "When does the rabies vaccination expire?": "¿Cuándo vence la vacuna antirrábica?",
    "Where will you look after children?": "¿Dónde cuidará a los niños?",
    "How many children at most?": "¿Cuántos niños como máximo?",
    "Will you look after children under 2?": "¿Cuidará a niños menores de 2 años?",
    "How many staff per infant?": "¿Cuántos empleados por bebé?",
    "Class": "Clase",
    "Hours alcohol will be sold": "Horario de venta de alcohol",
    "Are the premises within 500 feet of a school?": (
        "¿El local está a menos de 500 pies de una escuela?"
    ),
    "Distance to the school, in feet": "Distancia a la escuela, en pies",
    "Has anything about you or your business changed since your last application?": (
        "¿Ha cambiado algo sobre usted o su negocio desde su última solicitud?"
    ),
}

# English choices (one a line): Spanish labels, one a line in the same order
CHOICES_ES = {
    "Hair\nSkin care\nNails\nMake-up": "Cabello\nCuidado de la piel\nUñas\nMaquillaje",
    "Journeyman\nMaster": "Oficial\nMaestro",
    "Tattoo\nPiercing\nPermanent make-up": "Tatuaje\nPerforación\nMaquillaje permanente",
    "Dogs and cats\nHorses\nFarm animals\nExotic": (
        "Perros y gatos\nCaballos\nAnimales de granja\nExóticos"
    ),
    "Propane\nElectric\nCharcoal": "Propano\nEléctrico\nCarbón",
    "My home\nA center": "Mi casa\nUn centro",
    "On-premises (bar, restaurant)\nOff-premises (shop)": (
        "Consumo en el local (bar, restaurante)\nPara llevar (tienda)"
    ),
}
