"""Seed content for Forum071: themes, projects, demo users and demo threads.

Pure data, no imports from the app. The facts about the projects come from the Economie071
project overview of June 2019 and are retold in our own words. No real people are named:
every demo user below is fictional and uses an @example.org address.
"""

THEMES: list[dict] = [
    {
        "slug": "circulaire-economie", "name": "Circulaire economie", "name_en": "Circular economy",
        "description": "Hoe houden we grondstoffen in de kringloop? Nederland wil in 2050 volledig "
        "circulair zijn en ondernemers, overheden en onderwijs in de Leidse regio zoeken "
        "samen naar de eerste concrete stappen.",
        "description_en": "How do we keep materials in use? The Netherlands aims to be fully "
        "circular by 2050, and businesses, governments and schools in the Leiden region look "
        "for the first practical steps together.",
    },
    {
        "slug": "duurzame-mobiliteit", "name": "Duurzame mobiliteit",
        "name_en": "Sustainable mobility",
        "description": "De regio groeit en de wegen slibben dicht. Hier gaat het over fietsen, "
        "slimmer reizen, schonere logistiek en afspraken tussen werkgevers en overheden.",
        "description_en": "The region is growing and its roads are filling up. This theme covers "
        "cycling, smarter commuting, cleaner logistics and deals between employers and councils.",
    },
    {
        "slug": "human-capital", "name": "Human capital", "name_en": "Human capital",
        "description": "Mensen zijn het belangrijkste kapitaal van de regio. Hoe benutten, "
        "scholen en ondersteunen we iedereen, juist in krappe sectoren als zorg, techniek en "
        "onderwijs?",
        "description_en": "People are the region's main asset. How do we deploy, train and "
        "support everyone, especially in tight sectors such as care, engineering and education?",
    },
    {
        "slug": "onderwijs-arbeidsmarkt", "name": "Aansluiting onderwijs en arbeidsmarkt",
        "name_en": "Education and the labour market",
        "description": "Beroepen veranderen snel. Scholen en werkgevers delen hier opdrachten, "
        "stages en ideeën om opleidingen en werk beter op elkaar te laten aansluiten.",
        "description_en": "Jobs change quickly. Schools and employers share assignments, "
        "internships and ideas here to bring training and work closer together.",
    },
    {
        "slug": "bedrijventerreinen", "name": "Bedrijventerreinen", "name_en": "Business parks",
        "description": "Genoeg ruimte voor bedrijven, ook als wonen en energie om dezelfde grond "
        "vragen. Over de regionale strategie en de toekomst van elk terrein.",
        "description_en": "Enough room for companies, even when housing and energy compete for the "
        "same land. About the regional strategy and the future of each business park.",
    },
    {
        "slug": "retail", "name": "Retail", "name_en": "Retail",
        "description": "Winkelgebieden die ook morgen nog aantrekkelijk zijn. Over leegstand, "
        "online winkelen en de regionale afspraken uit de retailvisie.",
        "description_en": "Shopping areas that stay attractive tomorrow. About vacant shops, "
        "online shopping and the regional agreements of the retail vision.",
    },
    {
        "slug": "smart071", "name": "Smart071 / digitalisering",
        "name_en": "Smart071 / digitalisation",
        "description": "Wat kan het mkb met sensoren, Internet of Things en data? Deel vragen, "
        "prototypes en ervaringen met studenten en tech-bedrijven uit de regio.",
        "description_en": "What can small businesses do with sensors, the Internet of Things and "
        "data? Share questions, prototypes and experiences with students and local tech firms.",
    },
    {
        "slug": "regiomarketing", "name": "Regiomarketing", "name_en": "Regional marketing",
        "description": "De Leidse regio als één bestemming: stad en kust samen, voor bezoekers, "
        "bedrijven en de eigen inwoners.",
        "description_en": "The Leiden region as one destination, city and coast together, for "
        "visitors, companies and its own residents.",
    },
    {
        "slug": "internationaal-talent", "name": "Internationaal talent / Expat Centre",
        "name_en": "International talent / Expat Centre",
        "description": "Kenniswerkers, onderzoekers en studenten uit het buitenland maken de "
        "regio sterker. Over hun komst, hun welkom en hoe we ze hier houden.",
        "description_en": "Knowledge workers, researchers and students from abroad make the "
        "region stronger. About attracting them, welcoming them and helping them stay.",
    },
]

PROJECTS: list[dict] = [
    {
        "slug": "masterclass-circulaire-economie", "name": "Masterclass Circulaire Economie",
        "phase": "aanjaagfase", "themes": ["circulaire-economie"],
        "partners": [
            "Universiteit Leiden", "Centrum voor Milieuwetenschappen Leiden (CML)", "Copper8",
            "Gemeente Leiden", "Gemeente Katwijk", "Kringloopbedrijf Het Warenhuis",
            "Gebr. De Nobel",
        ],
        "goal": "Ondernemers, overheden en onderwijs in de regio samen concrete stappen laten "
        "zetten richting een circulaire economie, passend bij het landelijke doel voor 2050.",
        "goal_en": "Help businesses, governments and schools in the region take concrete steps "
        "towards a circular economy together, in line with the national 2050 target.",
        "summary": "In vier bijeenkomsten gaven onderzoekers van de Universiteit Leiden de theorie "
        "en werkten zo'n 80 deelnemers met Copper8 aan een eigen casus. De koplopers die zo "
        "ontstonden gaan verder via terugkommiddagen en Forum071. Leiden en Katwijk verkennen nu "
        "hoe circulair bouwen in de regio een duw kan krijgen.",
        "summary_en": "Over four sessions, Leiden University researchers covered the theory and "
        "about 80 participants worked on their own case with Copper8. The front runners who "
        "emerged carry on through follow-up afternoons and Forum071. Leiden and Katwijk are now "
        "exploring how to boost circular construction in the region.",
    },
    {
        "slug": "duurzame-mobiliteit", "name": "Duurzame mobiliteit", "phase": "aanjaagfase",
        "themes": ["duurzame-mobiliteit", "bedrijventerreinen"],
        "partners": [
            "Bereikbaar Haaglanden en Rijnland", "Gemeente Leiden", "Gemeente Leiderdorp",
            "Gemeente Voorschoten", "Gemeente Katwijk", "Hogeschool Leiden", "mboRijnland",
            "VNO-NCW",
        ],
        "goal": "De regio bereikbaar en leefbaar houden met een omslag naar duurzamer en slimmer "
        "vervoer, vastgelegd in concrete afspraken tussen overheden, bedrijven en instellingen.",
        "goal_en": "Keep the region accessible and liveable through a shift to cleaner, smarter "
        "transport, backed by concrete agreements between governments, companies and institutions.",
        "summary": "Een eerdere intentieverklaring kwam niet van de grond en stopte eind 2018; "
        "verschillende partners tekenden het convenant van Bereikbaar Haaglanden en Rijnland. "
        "Kansen liggen in meetbare doelen bij overheden, combideals op bedrijventerreinen, "
        "actieve werkgevers en slimmere logistiek.",
        "summary_en": "An earlier declaration of intent never gained momentum and ended in late "
        "2018; several partners signed the Bereikbaar Haaglanden en Rijnland covenant instead. "
        "Opportunities lie in measurable public targets, joint deals on business parks, active "
        "employers and smarter logistics.",
    },
    {
        "slug": "human-capital-actieplan", "name": "Human Capital Actieplan",
        "phase": "aanjaagfase", "themes": ["human-capital", "onderwijs-arbeidsmarkt"],
        "partners": [
            "Gemeente Katwijk", "Gemeente Leiden", "Gemeente Leiderdorp", "Gemeente Oegstgeest",
            "Gemeente Voorschoten", "Gemeente Zoeterwoude", "mboRijnland",
            "Katwijkse Ondernemers Vereniging",
        ],
        "goal": "Het menselijk kapitaal in de regio optimaal inzetten, opleiden en ondersteunen, "
        "met voorrang voor de tekortsectoren onderwijs, techniek en zorg en voor nieuwe skills.",
        "goal_en": "Make the best use of the region's people through deployment, training and "
        "support, with priority for the shortage sectors education, engineering and care.",
        "summary": "Een quickscan uit 2018 liet zien dat de tekorten vooral in zorg, techniek en "
        "onderwijs oplopen. Het actieplan koppelt aan elke regionale uitdaging een praktisch "
        "project en verbindt lopende initiatieven zoals Technolab, Smart071 en de Kenniskring. "
        "Voorschoten en mboRijnland trekken het plan.",
        "summary_en": "A 2018 quick scan showed shortages growing mainly in care, engineering and "
        "education. The action plan ties a practical project to each regional challenge and links "
        "existing efforts such as Technolab, Smart071 and the knowledge circle. Voorschoten and "
        "mboRijnland lead the plan.",
    },
    {
        "slug": "technolab-open-innovatielab",
        "name": "Technolab met Open Innovatielab op Leiden Bio Science Park",
        "phase": "aanjaagfase",
        "themes": ["human-capital", "onderwijs-arbeidsmarkt", "circulaire-economie"],
        "partners": [
            "Technolab", "Gemeente Leiden", "Gemeente Oegstgeest", "Gemeente Zoeterwoude",
            "Universiteit Leiden", "LUMC", "Ondernemersvereniging Bio Science Park", "mboRijnland",
            "HAL Allergy", "Inventeers", "Meester Techniek", "MLO", "InnovationQuarter",
            "Leiden Marketing", "Corpus", "Biopartner", "Popma & ter Steege architecten",
        ],
        "goal": "Technisch talent versterken en bedrijven en onderwijs verbinden met een Open "
        "Innovatielab op het Leiden Bio Science Park.",
        "goal_en": "Grow technical talent and connect companies with education through an Open "
        "Innovation Lab on the Leiden Bio Science Park.",
        "summary": "Technolab is een leerwerkbedrijf waar mbo-, hbo- en wo-studenten stage lopen "
        "en techniekles geven aan basis- en middelbare scholieren. Een eigen lab tussen de "
        "life-sciencebedrijven legt een directe lijn tussen bedrijfsleven en techniekonderwijs. "
        "De businesscase is klaar en er worden nog extra partners gezocht.",
        "summary_en": "Technolab is a work-based learning company where vocational, college and "
        "university students intern and teach science to school pupils. A lab of its own among "
        "the life science firms creates a direct link between industry and technical education. "
        "The business case is ready and more partners are being sought.",
    },
    {
        "slug": "bedrijventerreinen-leidse-regio", "name": "Bedrijventerreinen Leidse regio",
        "phase": "lopend", "themes": ["bedrijventerreinen"],
        "partners": [
            "Gemeente Katwijk", "Gemeente Leiden", "Gemeente Leiderdorp", "Gemeente Oegstgeest",
            "Gemeente Voorschoten", "Gemeente Zoeterwoude",
            "VNO-NCW Rijnland", "Leidse Koepel van Ondernemersverenigingen",
            "Katwijkse Ondernemers Vereniging", "Ondernemersvereniging Bio Science Park", "STEC",
            "Ecorys", "Holland Rijnland",
        ],
        "goal": "Samen met ondernemers een strategie voor de bedrijventerreinen van de as Leiden-"
        "Katwijk maken die tot en met 2030 genoeg ruimte voor bedrijvigheid garandeert.",
        "goal_en": "Draw up, with local businesses, a strategy for the business parks along the "
        "Leiden-Katwijk axis that keeps enough room for companies up to 2030.",
        "summary": "Bedrijventerreinen leveren ruim een derde van alle banen in de regio. Op basis "
        "van een conceptstrategie van STEC en een economisch profiel van Ecorys wordt gepraat "
        "over compensatie van ruimte die in Leiden verdwijnt. Daarna volgen gesprekken met "
        "raadsleden en ondernemers, inspraak en besluiten in de gemeenteraden.",
        "summary_en": "Business parks provide over a third of all jobs in the region. Building on "
        "a draft strategy by STEC and an economic profile by Ecorys, partners are discussing how "
        "to compensate for space lost in Leiden. Meetings with councillors and entrepreneurs, "
        "public consultation and council decisions follow.",
    },
    {
        "slug": "aansluiting-onderwijs-arbeidsmarkt",
        "name": "Aansluiting Onderwijs en Arbeidsmarkt", "phase": "lopend",
        "themes": ["onderwijs-arbeidsmarkt", "human-capital"],
        "partners": ["mboRijnland", "Hogeschool Leiden", "SCOL", "Bureau Blaauwberg", "Platform31"],
        "goal": "Het onderwijs goed laten aansluiten op een arbeidsmarkt die door innovatie snel "
        "verandert en in verschillende sectoren met tekorten kampt.",
        "goal_en": "Align education with a labour market that innovation is changing fast and "
        "that faces shortages in several sectors.",
        "summary": "Het project is Kenniskring en projectgroep tegelijk: twee keer per jaar "
        "ontmoeten onderwijs, werkgevers en gemeenten elkaar om ervaringen te delen. Onderwerpen "
        "waren onder meer de Centra voor Innovatief Vakmanschap van mboRijnland en het project "
        "Hybride werken tegen het lerarentekort. Het mkb beter laten aanhaken blijft een opgave.",
        "summary_en": "The project is a knowledge circle and project group in one: twice a year, "
        "schools, employers and councils meet to share experience. Topics included mboRijnland's "
        "centres for innovative craftsmanship and a hybrid-working scheme against teacher "
        "shortages. Getting small businesses involved remains a challenge.",
    },
    {
        "slug": "retailvisie-leidse-regio", "name": "Regionale visie op Retail en Werklandschappen",
        "phase": "lopend", "themes": ["retail"],
        "partners": [
            "Gemeente Zoeterwoude", "Gemeente Katwijk", "Gemeente Leiden", "Gemeente Leiderdorp",
            "Koepel Leidse regio", "Katwijkse Ondernemers Vereniging", "RMC",
        ],
        "goal": "De winkelgebieden in de Leidse regio sterker en toekomstbestendig maken, met "
        "regionale afstemming over waar welke winkels thuishoren.",
        "goal_en": "Make shopping areas in the Leiden region stronger and future-proof, with "
        "regional agreement on which shops belong where.",
        "summary": "De retailvisie uit 2016 wordt uitgevoerd langs drie actielijnen: versterken "
        "wat al sterk is, kansen zoeken buiten de hoofdstructuur en minder vierkante meters op "
        "perifere locaties. Adviesbureau RMC hield werkateliers over de vijf doelgerichte "
        "winkelgebieden. Een retailmonitor en een evaluatie staan nog op de planning.",
        "summary_en": "The 2016 retail vision is carried out along three lines: strengthen what is "
        "already strong, look for chances outside the main shopping structure and cut floor space "
        "at out-of-town locations. Consultancy RMC ran workshops on the five destination shopping "
        "areas. A retail monitor and an evaluation are still to come.",
    },
    {
        "slug": "smart071", "name": "Smart071", "phase": "lopend",
        "themes": ["smart071", "onderwijs-arbeidsmarkt"],
        "partners": [
            "Hogeschool Leiden", "mboRijnland", "Universiteit Leiden", "Gemeente Leiden",
            "Gemeente Katwijk", "BV Leiden", "071-ICT", "PLNT",
        ],
        "goal": "Het innovatievermogen van het mkb in de regio vergroten door de kansen van "
        "digitalisering, zoals Internet of Things en data science, tastbaar te maken.",
        "goal_en": "Strengthen the innovative power of small businesses in the region by making "
        "digital opportunities such as the Internet of Things and data science tangible.",
        "summary": "Smart071 organiseert workshops en events, zoals een techavond in PLNT met "
        "zo'n 190 bezoekers. In innovatietrajecten bouwen informaticastudenten van Hogeschool "
        "Leiden een businessconcept en prototype voor een mkb-bedrijf; vijftien trajecten zijn "
        "klaar en ongeveer een derde kreeg een vervolg. Ook mboRijnland doet nu mee.",
        "summary_en": "Smart071 runs workshops and events, such as a tech evening at PLNT with "
        "some 190 visitors. In innovation tracks, Hogeschool Leiden computing students build a "
        "business concept and prototype for a small company; fifteen are done and about a third "
        "continued afterwards. mboRijnland has now joined as well.",
    },
    {
        "slug": "regiomarketing-be-good-and-tell-it", "name": "Regiomarketing: Be Good And Tell It",
        "phase": "doorstart", "themes": ["regiomarketing"],
        "partners": [
            "Leiden Marketing", "Katwijk Marketing", "Noordwijk Marketing",
            "Dorpsmarketing Oegstgeest", "Wassenaar/Voorschoten Marketing", "Gemeente Leiden",
            "Gemeente Katwijk", "Gemeente Oegstgeest", "InnovationQuarter", "MRDH",
        ],
        "goal": "De Leidse regio gezamenlijk op de kaart zetten bij bedrijven en investeerders, "
        "bij buitenlandse bezoekers en bij de eigen inwoners.",
        "goal_en": "Put the Leiden region on the map together, for companies and investors, "
        "for visitors from abroad and for its own residents.",
        "summary": "Na drie jaar samenwerking is er een Stad + Kust-bestemming die vooral in "
        "Duitsland wordt gepromoot. Zakelijk profileert de regio zich met InnovationQuarter rond "
        "life sciences en gezondheid, en een huis-aan-huismagazine versterkt het regiogevoel. "
        "Voor de doorstart is nieuw meerjarig budget gevraagd, met meer aandacht voor data.",
        "summary_en": "After three years of cooperation there is a City + Coast destination that "
        "is promoted mainly in Germany. For business, the region profiles itself with "
        "InnovationQuarter around life sciences and health, and a door-to-door magazine builds "
        "regional pride. The relaunch asks for new multi-year funding with more focus on data.",
    },
    {
        "slug": "expat-centre-leiden", "name": "Professioneel Expat Centre Leiden",
        "phase": "afgerond", "themes": ["internationaal-talent"],
        "partners": [
            "Expat Centre Leiden", "Gemeente Katwijk", "Gemeente Leiden", "Gemeente Leiderdorp",
            "Gemeente Oegstgeest", "Gemeente Voorschoten", "Gemeente Zoeterwoude",
            "Universiteit Leiden", "LUMC",
            "Ondernemersvereniging Bio Science Park", "Leiden Marketing", "ACCESS",
            "Leiden International", "InnovationQuarter",
        ],
        "goal": "Internationaal talent naar de regio halen, goed ontvangen en vasthouden, als "
        "basis voor een sterk internationaal vestigingsklimaat.",
        "goal_en": "Attract, welcome and retain international talent in the region as the basis "
        "for a strong international business climate.",
        "summary": "Het Expat Centre begon in 2016 als een van de eerste Economie071-projecten en "
        "gaat sinds juni 2019 zelfstandig verder, met afspraken met de oprichters tot eind 2020. "
        "In 2018 schreef het 553 internationals in en gaf het hen een burgerservicenummer. Het "
        "centrum wil nu meer doen voor werkgevers en als kenniscentrum voor internationalisering.",
        "summary_en": "The Expat Centre started in 2016 as one of the first Economie071 projects "
        "and has continued independently since June 2019, with agreements with its founders up "
        "to the end of 2020. In 2018 it registered 553 internationals and issued their citizen "
        "service numbers. It now wants to do more for employers and as a knowledge hub.",
    },
]

DEMO_USERS: list[dict] = [
    {"username": "femke_bouwt", "email": "femke.bouwt@example.org", "role": "entrepreneur",
     "organisation": "Duinzand Circulair Bouw"},
    {"username": "priya_labs", "email": "priya.labs@example.org", "role": "entrepreneur",
     "organisation": "Helixbank Biotech"},
    {"username": "lotte_honours", "email": "lotte.honours@example.org", "role": "student",
     "organisation": "Universiteit Leiden"},
    {"username": "daan_informatica", "email": "daan.informatica@example.org", "role": "student",
     "organisation": "Hogeschool Leiden"},
    {"username": "ingrid_leiderdorp", "email": "ingrid.leiderdorp@example.org",
     "role": "official", "organisation": "Gemeente Leiderdorp"},
    {"username": "bas_katwijk", "email": "bas.katwijk@example.org", "role": "official",
     "organisation": "Gemeente Katwijk"},
    {"username": "moderator_anouk", "email": "moderator.anouk@example.org", "role": "moderator",
     "organisation": "Economie071"},
    {"username": "beheer071", "email": "beheer071@example.org", "role": "admin",
     "organisation": ""},
]

DEMO_THREADS: list[dict] = [
    {
        "kind": "pitch", "theme": "circulaire-economie",
        "projects": ["masterclass-circulaire-economie"],
        "title": "Terugkommiddag: onze pitch voor een materialenbank voor sloophout",
        "author": "femke_bouwt",
        "stage": "in_development", "ask_categories": ["location", "launching_customer"],
        "ask": "Een overdekte opslagplek in de regio en een eerste bouwbedrijf dat hout afneemt.",
        "body": "Na de Masterclass zijn we met ons team verder gegaan met de casus die we daar "
        "uitwerkten. Tijdens de terugkommiddag pitchen we de stand van zaken:\n\n"
        "- sloophout van renovaties in Katwijk en Leiden **apart inzamelen**;\n"
        "- een digitale voorraadlijst waar aannemers kunnen reserveren;\n"
        "- een eerste proefproject met een woningcorporatie.\n\n"
        "Waar we input op zoeken: wie heeft ruimte voor opslag, en welke aannemers willen "
        "meedoen? Onze presentatie staat op https://example.org/materialenbank.",
        "replies": [
            {"author": "bas_katwijk", "body": "Mooi plan! Katwijk en Leiden zoeken samen naar "
             "manieren om meer circulair te laten bouwen in de regio. Ik neem jullie idee mee "
             "in die verkenning en stuur je een bericht voor een kennismaking."},
            {"author": "lotte_honours", "body": "Misschien iets voor een volgende groep "
             "honoursstudenten: een **materiaalstroomanalyse** van het sloophout in de regio?"},
        ],
    },
    {
        "kind": "question", "theme": "onderwijs-arbeidsmarkt",
        "projects": ["masterclass-circulaire-economie", "aansluiting-onderwijs-arbeidsmarkt"],
        "title": "Honoursteam zoekt een circulaire opdracht van een ondernemer",
        "author": "lotte_honours",
        "body": "Wij zijn vier honoursstudenten van de Universiteit Leiden en zoeken voor het "
        "najaar een **echte opdracht** over circulariteit. Denk aan:\n\n"
        "1. een analyse van afvalstromen (plastic, papier, meubels);\n"
        "2. een energiescan van een gebouw;\n"
        "3. ideeën om een locatie breder te gebruiken.\n\n"
        "Heb je een vraag liggen? Reageer hieronder of lees meer op https://example.org/honours.",
        "replies": [
            {"author": "femke_bouwt", "body": "Wij hebben er een: kunnen we plastic restafval "
             "van de bouwplaats zelf vermalen en gebruiken in een **3D-printer**? Welk plastic "
             "werkt en welke apparatuur is nodig? Ik stuur je een DM."},
            {"author": "moderator_anouk", "body": "Fijn initiatief! Ik heb de vraag ook aan het "
             "project Aansluiting Onderwijs en Arbeidsmarkt gekoppeld, zodat meer ondernemers "
             "hem zien."},
        ],
    },
    {
        "kind": "discussion", "theme": "duurzame-mobiliteit",
        "projects": ["duurzame-mobiliteit", "bedrijventerreinen-leidse-regio"],
        "title": "Een combideal voor minder autoritten naar het bedrijventerrein: wie doet mee?",
        "author": "ingrid_leiderdorp",
        "body": "Op veel bedrijventerreinen zoeken we de oplossing nu vooral in asfalt. Het idee "
        "van een **combideal**: de gemeente verbetert fietsroutes en voorzieningen, de "
        "bedrijven beloven samen een percentage minder autoritten in de spits.\n\n"
        "Vragen aan jullie:\n\n"
        "- Welke maatregelen werken bij jullie al (e-bikes, deelvervoer, thuiswerken)?\n"
        "- Zou je je als bedrijf aan een meetbaar doel willen verbinden?\n"
        "- Kunnen leveranciers hun ritten bundelen?",
        "replies": [
            {"author": "priya_labs", "body": "We offer our team a bike allowance and most of "
             "us cycle from Leiden Centraal. A shared shuttle for the whole park would help the "
             "rest. Happy to sign up to a target."},
            {"author": "femke_bouwt", "body": "Voor ons zit de winst in **bouwlogistiek**: "
             "materiaal gebundeld aanvoeren scheelt veel busjes. Graag een pilot!"},
        ],
    },
    {
        "kind": "question", "theme": "smart071", "projects": ["smart071"],
        "title": "Sensoren op de bouwplaats: wie heeft ervaring met IoT voor een klein bedrijf?",
        "author": "femke_bouwt",
        "body": "We willen meten hoeveel materiaal er op de bouwplaats ligt en wanneer containers "
        "vol zijn. Het moet betaalbaar blijven voor een bedrijf van twaalf mensen.\n\n"
        "- Welke sensoren zijn geschikt voor buiten?\n"
        "- Kan dit als **innovatietraject** met studenten?\n\n"
        "Tips en leveranciers uit de regio zijn welkom.",
        "replies": [
            {"author": "daan_informatica", "body": "Dat kan zeker via Smart071: studenten van de "
             "minor sensortechnologie maken dan een businessconcept en een **eerste prototype**. "
             "Nieuwe trajecten starten in september."},
            {"author": "bas_katwijk", "body": "Kom ook naar de bijeenkomst van 071-ICT en "
             "Smart071 in PLNT, daar staan regionale tech-bedrijven en studentendemo's. Info: "
             "https://example.org/smart071-event"},
        ],
    },
    {
        "kind": "pitch", "theme": "smart071", "projects": ["smart071", "retailvisie-leidse-regio"],
        "title": "Demo: klantkaartdata slimmer benutten voor een winkel in de regio",
        "author": "daan_informatica",
        "stage": "pilot", "ask_categories": ["launching_customer"],
        "ask": "Een tweede winkelier die zijn geanonimiseerde kassadata wil laten analyseren.",
        "body": "Voor ons innovatietraject (specialisatie Business Data Management) analyseren we "
        "jaren aan klantkaartgegevens van een regionale winkelketen. Eerste resultaten:\n\n"
        "- **piekmomenten** per filiaal en per weekdag;\n"
        "- koppeling met weerdata en evenementen in de regio;\n"
        "- een dashboard voor de bedrijfsleider.\n\n"
        "Op de demomarkt laten we het prototype zien. Welke andere databronnen zouden we "
        "moeten toevoegen?",
        "replies": [
            {"author": "ingrid_leiderdorp", "body": "Interessant voor de retailmonitor die we "
             "nog willen opzetten. Kunnen jullie ook naar **bezoekersstromen** tussen "
             "winkelgebieden kijken?"},
            {"author": "priya_labs", "body": "Nice work. Anonymise the loyalty data properly "
             "before you demo it, and add footfall counters if the shop has them."},
        ],
    },
    {
        "kind": "question", "theme": "internationaal-talent", "projects": ["expat-centre-leiden"],
        "title": "Registering new international hires: fees and invoicing via the Expat Centre?",
        "author": "priya_labs",
        "body": "Our biotech start-up on the Bio Science Park is hiring three researchers from "
        "abroad this autumn. A few questions for the community:\n\n"
        "1. Can the **Expat Centre Leiden** invoice our company directly for its service "
        "fees?\n"
        "2. How do new hires book an appointment for their registration and BSN?\n"
        "3. Is there help for their partners looking for work?\n\n"
        "Any experiences are welcome!",
        "replies": [
            {"author": "bas_katwijk", "body": "Employees can book online and get their BSN at "
             "the same appointment. For now they pay the fee and claim it from the employer; "
             "direct invoicing is planned. See https://example.org/expat-centre"},
            {"author": "ingrid_leiderdorp", "body": "Volunteers at ACCESS run the helpdesk for "
             "practical questions. A programme with **dual career** advice for partners is "
             "being explored."},
        ],
    },
    {
        "kind": "pitch", "theme": "human-capital",
        "projects": ["technolab-open-innovatielab", "human-capital-actieplan"],
        "title": "Open Innovation Lab: our start-up would like to host school challenges",
        "author": "priya_labs",
        "stage": "idea", "ask_categories": ["student_team", "expertise"],
        "ask": "Two secondary schools and one more lab company to co-design the first challenge.",
        "body": "At the follow-up afternoon I pitched our plan to support the **Open Innovation "
        "Lab** on the Bio Science Park:\n\n"
        "- one lab challenge per term for secondary school pupils;\n"
        "- internships for mbo and hbo lab technicians;\n"
        "- our scientists as guest teachers at Technolab.\n\n"
        "We are looking for schools and two more companies. Slides: https://example.org/lab",
        "replies": [
            {"author": "lotte_honours", "body": "Leuk! Als student-docent bij Technolab help ik "
             "graag mee met het uitwerken van de eerste challenge."},
            {"author": "ingrid_leiderdorp", "body": "Dit past goed in het **Human Capital "
             "Actieplan**, dat juist inzet op techniek als tekortsector. Ik breng het in bij de "
             "projectgroep."},
        ],
    },
    {
        "kind": "discussion", "theme": "regiomarketing",
        "projects": ["regiomarketing-be-good-and-tell-it"],
        "title": "Stad + Kust: hoe laten ondernemers meeliften op de regiomarketing?",
        "author": "bas_katwijk",
        "body": "De campagne voor Duitse bezoekers zet stad en kust samen neer als één "
        "bestemming. Nu de doorstart eraan komt, horen we graag van ondernemers:\n\n"
        "- Merken jullie iets van de extra bezoekers?\n"
        "- Welke arrangementen (museum, strand, café) zouden jullie samen willen aanbieden?\n"
        "- Wat moet er in het volgende magazine voor inwoners?\n\n"
        "Ideeën zijn welkom, ook kleine.",
        "replies": [
            {"author": "femke_bouwt", "body": "Een fietsroute langs circulaire gebouwen van "
             "Leiden naar de kust? Dan laten we meteen zien wat de regio kan."},
            {"author": "beheer071", "body": "Tip: tag je bericht met het thema Regiomarketing, "
             "dan verschijnt het ook op de themapagina."},
        ],
    },
]
