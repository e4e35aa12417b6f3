"""The messages of the PII dev set (``make_dev.py``), every sentence written for it: ``TEMPLATES`` with a slot
for each value, and ``PII_FREE`` messages that carry none."""

# Templates: {SLOT} or {SLOT:NAME} where the slot type is the entity type. Lines start with the voice.
TEMPLATES = """
uk|My card number is {CARD} and it was swallowed by the machine in town.
uk|Please cancel {CARD}, I think someone copied it at a petrol station.
uk|I've been charged twice on card {CARD} for the same hotel booking
uk|someone used my debit card {CARD} online last night, can you stop it?
us|My Visa ending in the full number {CARD} got declined at the grocery store
us|card # {CARD} was stolen from my car, please freeze it
us|I need to dispute a charge on {CARD}
uk|My sort code is {SORT_CODE} and account number {ACCOUNT}, can you check why my salary hasn't arrived?
uk|sort code {SORT_CODE}, account {ACCOUNT}. Is there a problem with my standing order?
uk|I sent £400 to sort code {SORT_CODE} account number {ACCOUNT} by mistake, can I get it back?
uk|Account {ACCOUNT} sort {SORT_CODE} - why is it frozen?
uk|the details are {SORT_CODE} / {ACCOUNT} for my joint account
uk|Can you tell me the balance on account number {ACCOUNT}?
uk|my savings account is {ACCOUNT}, how much interest did it earn this year
us|My checking account number is {ACCOUNT_US} and the routing number is {ROUTING}
us|Please set up direct deposit to routing {ROUTING}, account {ACCOUNT_US}
us|wire came back - ABA {ROUTING} acct {ACCOUNT_US}. what went wrong?
us|Is {ROUTING} the right routing number for your branch in my state?
uk|Please send the refund to {IBAN} instead.
uk|My IBAN is {IBAN}, is that enough for a transfer from Spain?
uk|The payment to IBAN {IBAN} has been pending for three days
us|My cousin in Germany gave me {IBAN}, can I wire money there?
uk|My national insurance number is {NI}, do you need it for the ISA?
uk|NI number {NI} - the form keeps rejecting it
uk|Here's my NINO: {NI}. Can you update my records?
uk|for the mortgage application my national insurance no. is {NI}
uk|I typed {NI} as my NI number but the app says invalid
us|My social security number is {SSN}, do you need it to open the account?
us|SSN {SSN} — why does the form say it doesn't match?
us|I gave them my social {SSN} and now I think it was a scam
us|my ssn is {SSN} and my date of birth is {DOB}
uk|My password is {PASSWORD} and it still won't let me log in
uk|I changed my password to {PASSWORD} yesterday but the app rejects it
uk|the online banking passcode is {PASSWORD}, can you reset it?
uk|my PIN is {PIN} and the cash machine says it's wrong
uk|I think someone saw my pin, it's {PIN}. Can I change it?
uk|My memorable word is {PASSWORD} but I can't remember which letters you asked for
uk|they rang and asked for the one-time passcode, I gave them {OTP}. Was that you?
us|I entered the verification code {OTP} but nothing happened
us|My password: {PASSWORD} - is that strong enough?
us|my PIN number is {PIN}, can you confirm it is correct
us|The code you texted me was {OTP}, I read it to a guy on the phone
us|someone asked for my OTP {OTP} is that normal?
us|my login password is "{PASSWORD}" and it says locked
uk|My date of birth is {DOB} if you need it for security
uk|DOB {DOB}, name on the account {NAME}
uk|I was born on {DOB}, can I open a junior ISA for myself?
us|Date of birth: {DOB}. I'm trying to verify my identity.
us|I was born {DOB} so I should qualify for the senior checking account
us|my birthday is {DOB} and the app says I'm under 18
uk|I've moved to {ADDRESS}, please update my address.
uk|Please post the new card to {ADDRESS}
uk|my statements are still going to my old house at {ADDRESS}
uk|Can you send a paying-in book to {ADDRESS}?
us|My new address is {ADDRESS}
us|Please mail the checks to {ADDRESS} instead of my old place
us|The card was sent to {ADDRESS} but I never got it
uk|My postcode is {POSTCODE}, which branch is closest?
uk|is there a cash machine near {POSTCODE}?
us|my zip is {ZIP}, do you have a branch nearby?
uk|Hi, {NAME} here. I can't see my last payment.
uk|{NAME} speaking, I need to report a lost card
uk|This is {NAME}, I rang yesterday about my overdraft
uk|I want to pay {NAME} back for the concert tickets, how do I add a payee?
uk|My husband {FIRST} set up the account and now he's passed away, what do I do?
uk|Can my daughter {FIRST} have access to my account? I'm in hospital.
uk|I sent money to {NAME} and it went to the wrong account
uk|Thanks for your help. {NAME}
uk|{FIRST} from next door says she can collect my card for me, is that allowed?
us|Hey, it's {NAME}, my card got locked again
us|I need to add {NAME} as an authorized user
us|{NAME} here, is the branch open Saturday?
us|My wife {FIRST} and I want a joint account
us|Transfer $200 to {NAME} please
us|Can {FIRST} pick up my new card from the branch?
us|Regards, {NAME}
uk|My name is {NAME}, my email is {EMAIL} and my number is {PHONE_UK}
uk|Could you ring me on {PHONE_UK} this afternoon?
uk|Email me the statement at {EMAIL} please
us|Call me back at {PHONE_US}, I'm free after 5
us|you can reach me at {EMAIL} or {PHONE_US}
uk|Dear Sir, I, {NAME}, of {ADDRESS}, wish to close my account.
uk|Mr {LAST} at the branch told me the fee would be refunded
us|Mrs. {LAST} at the branch said my loan was approved
uk|My mum {NAME} has dementia and someone is taking money from her account {ACCOUNT}
uk|I'm {NAME}, DOB {DOB}, address {ADDRESS} - please send a new PIN
us|I'm {NAME}, SSN {SSN}, and I want to close my account {ACCOUNT_US}
us|please verify me: {NAME}, born {DOB}, living at {ADDRESS}
uk|card {CARD} and my PIN is {PIN}, I think both were stolen together
us|They asked for my card {CARD} and the security code {CVV} on a fake website
uk|I gave a caller my card number {CARD} and the three digit code {CVV}, I'm so stupid
"""

PII_FREE = """
uk|How do I change the address on my account?
uk|What's the daily limit for contactless payments?
uk|Can I pay in a cheque using the app?
uk|I lost my card in Manchester yesterday, can you block it?
uk|my card got declined at Tesco this morning
uk|Why was I charged a fee on the 3rd of the month?
uk|How long does a transfer to Europe take?
uk|Is the branch on the high street open on Saturday?
uk|I want to set up a standing order for my rent
uk|Can I get an overdraft on my current account?
uk|What does the notification about a new device mean?
uk|I think I've been scammed, someone called pretending to be from the bank
uk|How do I reset my password?
uk|My password isn't working, can you help?
uk|I forgot my PIN, how can I see it in the app?
uk|My PIN is locked after three wrong tries
uk|Where do I find my sort code and account number?
uk|Do you need my date of birth to verify me?
uk|The app says enter your postcode but it won't accept it
uk|Can I open a joint account with my partner?
uk|Will you refund the payment if it was fraud?
uk|Is there a charge for using my card in Paris?
uk|I paid 3 times for the same thing on the high street
uk|Grace period on my credit card - how long is it?
uk|Can I move money from my ISA to my current account?
uk|I'm worried about my debts and don't know what to do
uk|Please don't ask me for my password, I'm nervous about scams
uk|What's the interest rate on the easy access saver?
uk|How do I add Apple Pay to my phone?
uk|Can I use Google Pay with a business card?
uk|I'm moving house next month, what do I need to do?
uk|When will my new card arrive?
uk|It's been 10 days and the refund still hasn't come through
uk|Can I pay £1,250 into my account at the Post Office?
uk|My salary of £2,340 didn't arrive on the 28th
us|How do I order new checks?
us|What is the routing number used for?
us|Can I get my direct deposit two days early?
us|Is there a fee for using an out-of-network ATM?
us|My debit card was declined at Walmart even though I have money
us|How do I dispute a charge from last week?
us|Will my credit score drop if I close my card?
us|Can I deposit a check over $5,000 in the app?
us|I moved to Texas, do I need a new account?
us|What's the minimum balance for the savings account?
us|How do I turn on two-factor authentication?
us|I got a text asking for my code, is that really you?
us|Can you send me a new card? Mine is cracked.
us|How long does a wire to Mexico take?
us|My husband passed away last month, what happens to our joint account?
us|Are you open on Memorial Day?
us|I want to talk to a person please
us|What does pending mean on my statement?
us|Can I set up Zelle with my phone number?
us|Why is my balance different from my available balance?
us|Do you offer mortgages in Florida?
us|I need to change my PIN at an ATM, how?
us|The security code on the back of my card has worn off
us|Please close my account, I'm moving to another bank
us|How many transfers can I make from savings each month?
"""
