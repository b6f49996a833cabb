"""Fictional demo content of education (app/education/demo.py): courses of
every programme area with their units in English and Kiswahili, rooms,
opportunities, schools and employers."""

TRAINER_NAMES = ["Wanjiru Mwangi", "Otieno Ouma", "Zainabu Salim", "Kipchumba Rotich",
                 "Nyambura Githinji", "Mwanaidi Bakari", "Ochieng Odera", "Jepchirchir Kosgei",
                 "Mumbi Karanja", "Abdalla Nassir"]

ROOMS = ["Training room", "Computer room", "Meeting room", "Hall", "Garden room"]
LABELS = ["Morning group", "Afternoon group", "Kikundi cha asubuhi", "Saturday group",
          "Kikundi cha jioni", "New members", "Second intake", ""]

COURSES = [
    ("employment", "Tailoring and garment making", "Ushonaji na utengenezaji wa nguo", "score", 75,
     [("Measuring and patterns", "Vipimo na michoro"), ("Cutting cloth", "Kukata kitambaa"),
      ("Machine sewing", "Kushona kwa cherehani"), ("Finishing and pricing", "Kumalizia na bei")]),
    ("employment", "Computer skills for work", "Ujuzi wa kompyuta kazini", "pass_fail", 75,
     [("Typing and files", "Kuchapa na faili"), ("Email and the internet", "Barua pepe na mtandao"),
      ("Spreadsheets", "Majedwali"), ("Writing a CV", "Kuandika wasifu")]),
    ("employment", "Hospitality and catering", "Ukarimu na upishi", "pass_fail", 80,
     [("Food hygiene", "Usafi wa chakula"), ("Cooking for customers", "Kupika kwa wateja"),
      ("Serving and service", "Kuhudumia wateja")]),
    ("entrepreneurship", "Starting a small business", "Kuanzisha biashara ndogo", "none", 70,
     [("Finding a business idea", "Kupata wazo la biashara"), ("Costs and prices", "Gharama na bei"),
      ("Keeping records", "Kuweka kumbukumbu"), ("Selling", "Kuuza")]),
    ("entrepreneurship", "Budgeting and saving", "Bajeti na kuweka akiba", "none", 70,
     [("Household budget", "Bajeti ya nyumbani"), ("Saving groups", "Vikundi vya akiba"),
      ("Loans and interest", "Mikopo na riba")]),
    ("entrepreneurship", "Economic justice", "Haki ya kiuchumi", "none", 60,
     [("Fair work and pay", "Kazi na malipo ya haki"), ("Rights at work", "Haki kazini")]),
    ("formal_education", "Adult literacy", "Kusoma na kuandika kwa watu wazima", "score", 70,
     [("Letters and sounds", "Herufi na sauti"), ("Reading short texts", "Kusoma maandishi mafupi"),
      ("Writing", "Kuandika"), ("Numbers", "Hesabu")]),
    ("formal_education", "Preparing for KCSE", "Kujiandaa kwa KCSE", "none", 75,
     [("Study skills", "Mbinu za kusoma"), ("Mathematics", "Hisabati"), ("English", "Kiingereza")]),
    ("mental_health", "Wellbeing and stress", "Ustawi na msongo wa mawazo", "none", 60,
     [("Understanding stress", "Kuelewa msongo"), ("Rest and sleep", "Kupumzika na usingizi"),
      ("Support around you", "Msaada unaokuzunguka")]),
    ("mental_health", "Peer support skills", "Ujuzi wa kusaidiana", "pass_fail", 80,
     [("Listening", "Kusikiliza"), ("Boundaries", "Mipaka"), ("When to refer", "Wakati wa kuelekeza")]),
    ("leadership", "Survivor leadership", "Uongozi wa walionusurika", "none", 75,
     [("Your story, your choice", "Hadithi yako, uamuzi wako"), ("Leading a group", "Kuongoza kikundi"),
      ("Speaking in public", "Kuzungumza hadharani"), ("Planning change", "Kupanga mabadiliko")]),
    ("leadership", "Facilitation skills", "Ujuzi wa uwezeshaji", "pass_fail", 80,
     [("Preparing a session", "Kuandaa kipindi"), ("Group activities", "Shughuli za kikundi")]),
    ("outreach", "Ethical storytelling", "Usimulizi wa hadithi kwa maadili", "none", 70,
     [("Consent and control", "Ridhaa na udhibiti"), ("Telling it safely", "Kusimulia kwa usalama"),
      ("Working with media", "Kufanya kazi na vyombo vya habari")]),
    ("outreach", "Community outreach", "Uhamasishaji wa jamii", "none", 60,
     [("Knowing the community", "Kuijua jamii"), ("Outreach plans", "Mipango ya uhamasishaji")]),
    ("citizenry", "Active citizenry", "Uraia hai", "none", 60,
     [("How county government works", "Jinsi serikali ya kaunti inavyofanya kazi"),
      ("Public participation", "Ushiriki wa umma"), ("Writing a petition", "Kuandika ombi")]),
    ("citizenry", "Know your rights", "Jua haki zako", "none", 60,
     [("The constitution", "Katiba"), ("Getting help", "Kupata msaada")]),
]

DESCRIPTIONS = {
    "employment": "Practical skills for a job, with time to practise at the centre.",
    "entrepreneurship": "How to set up and run a small business: ideas, money and records.",
    "formal_education": "Support to go back to school and further studies at your own pace.",
    "mental_health": "Understanding wellbeing and supporting each other.",
    "leadership": "Growing as a leader in the community and at the centre.",
    "outreach": "Sharing experience with the community, safely and by your own choice.",
    "citizenry": "Taking part in public life and knowing your rights.",
}

STUDY_PLACES = [("Study room", "Chumba cha kusomea", "seats", 12),
                ("Computers", "Kompyuta", "computers", 6)]

OPPORTUNITIES = [
    ("County bursary for secondary school", "Nairobi County", "bursary", 2500000, 9,
     ("id_copy", "birth_certificate", "kcpe_certificate", "fee_structure")),
    ("Technical college scholarship", "Tumaini Education Fund", "scholarship", 8000000, 12,
     ("id_copy", "kcse_certificate", "recommendation_letter", "personal_statement")),
    ("Hotel kitchen apprenticeship", "Lakeview Hotel", "apprenticeship", None, 20,
     ("id_copy", "cv")),
    ("Tailoring shop assistant", "Mama Neema Designs", "job", None, 30, ("id_copy", "cv")),
    ("Office internship", "Haki Centre", "internship", 1500000, -20,
     ("id_copy", "cv", "recommendation_letter")),
    ("Diploma scholarship", "Upendo Foundation", "scholarship", 12000000, -60,
     ("id_copy", "kcse_certificate", "transcript", "recommendation_letter")),
    ("Computer course bursary", "Digital Skills Kenya", "bursary", 1000000, 45,
     ("id_copy",)),
    ("Catering job", "City Catering Ltd", "job", None, None, ("id_copy", "cv")),
]

ELIGIBILITY = "Members of the centre over 18. Priority to those who finished a related course."
HOW_TO_APPLY = "Bring the documents to the coordinator; we help you fill in the form."

INSTITUTIONS = [("Kayole Adult Education Centre", "Adult basic education", "primary"),
                ("Mathare Secondary School", "Form 3", "secondary"),
                ("Nairobi Technical Training Institute", "Certificate in catering", "certificate"),
                ("Kenya Polytechnic", "Diploma in ICT", "diploma")]
RESULTS = ["Good progress in all subjects.", "Maendeleo mazuri; anahitaji msaada wa hisabati.",
           "Passed the term exams.", "Alifanya vizuri katika Kiingereza."]

EMPLOYERS = ["Mama Neema Designs", "Lakeview Hotel", "City Catering Ltd", "Jua Kali Workshop",
             "Upendo Supermarket", "Tumaini Salon", "Green Grocers Kayole"]
ROLES = ["Tailor", "Kitchen assistant", "Shop assistant", "Cashier", "Hairdresser",
         "Market trader", "Office assistant"]
REFERRAL_PURPOSES = ["Job interview", "Business advice", "Work placement", "Mentoring on pricing"]
