var z=globalThis,O=z.ShadowRoot&&(z.ShadyCSS===void 0||z.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,F=Symbol(),st=new WeakMap,w=class{constructor(t,e,s){if(this._$cssResult$=!0,s!==F)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(O&&t===void 0){let s=e!==void 0&&e.length===1;s&&(t=st.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),s&&st.set(e,t))}return t}toString(){return this.cssText}},it=i=>new w(typeof i=="string"?i:i+"",void 0,F),L=(i,...t)=>{let e=i.length===1?i[0]:t.reduce((s,n,r)=>s+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(n)+i[r+1],i[0]);return new w(e,i,F)},nt=(i,t)=>{if(O)i.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let s=document.createElement("style"),n=z.litNonce;n!==void 0&&s.setAttribute("nonce",n),s.textContent=e.cssText,i.appendChild(s)}},V=O?i=>i:i=>i instanceof CSSStyleSheet?(t=>{let e="";for(let s of t.cssRules)e+=s.cssText;return it(e)})(i):i;var{is:Ct,defineProperty:Ht,getOwnPropertyDescriptor:Dt,getOwnPropertyNames:Nt,getOwnPropertySymbols:kt,getPrototypeOf:Rt}=Object,j=globalThis,rt=j.trustedTypes,Pt=rt?rt.emptyScript:"",Mt=j.reactiveElementPolyfillSupport,C=(i,t)=>i,W={toAttribute(i,t){switch(t){case Boolean:i=i?Pt:null;break;case Object:case Array:i=i==null?i:JSON.stringify(i)}return i},fromAttribute(i,t){let e=i;switch(t){case Boolean:e=i!==null;break;case Number:e=i===null?null:Number(i);break;case Object:case Array:try{e=JSON.parse(i)}catch{e=null}}return e}},at=(i,t)=>!Ct(i,t),ot={attribute:!0,type:String,converter:W,reflect:!1,useDefault:!1,hasChanged:at};Symbol.metadata??=Symbol("metadata"),j.litPropertyMetadata??=new WeakMap;var g=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=ot){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let s=Symbol(),n=this.getPropertyDescriptor(t,s,e);n!==void 0&&Ht(this.prototype,t,n)}}static getPropertyDescriptor(t,e,s){let{get:n,set:r}=Dt(this.prototype,t)??{get(){return this[e]},set(o){this[e]=o}};return{get:n,set(o){let c=n?.call(this);r?.call(this,o),this.requestUpdate(t,c,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??ot}static _$Ei(){if(this.hasOwnProperty(C("elementProperties")))return;let t=Rt(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(C("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(C("properties"))){let e=this.properties,s=[...Nt(e),...kt(e)];for(let n of s)this.createProperty(n,e[n])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[s,n]of e)this.elementProperties.set(s,n)}this._$Eh=new Map;for(let[e,s]of this.elementProperties){let n=this._$Eu(e,s);n!==void 0&&this._$Eh.set(n,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let s=new Set(t.flat(1/0).reverse());for(let n of s)e.unshift(V(n))}else t!==void 0&&e.push(V(t));return e}static _$Eu(t,e){let s=e.attribute;return s===!1?void 0:typeof s=="string"?s:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let s of e.keys())this.hasOwnProperty(s)&&(t.set(s,this[s]),delete this[s]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return nt(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,s){this._$AK(t,s)}_$ET(t,e){let s=this.constructor.elementProperties.get(t),n=this.constructor._$Eu(t,s);if(n!==void 0&&s.reflect===!0){let r=(s.converter?.toAttribute!==void 0?s.converter:W).toAttribute(e,s.type);this._$Em=t,r==null?this.removeAttribute(n):this.setAttribute(n,r),this._$Em=null}}_$AK(t,e){let s=this.constructor,n=s._$Eh.get(t);if(n!==void 0&&this._$Em!==n){let r=s.getPropertyOptions(n),o=typeof r.converter=="function"?{fromAttribute:r.converter}:r.converter?.fromAttribute!==void 0?r.converter:W;this._$Em=n;let c=o.fromAttribute(e,r.type);this[n]=c??this._$Ej?.get(n)??c,this._$Em=null}}requestUpdate(t,e,s,n=!1,r){if(t!==void 0){let o=this.constructor;if(n===!1&&(r=this[t]),s??=o.getPropertyOptions(t),!((s.hasChanged??at)(r,e)||s.useDefault&&s.reflect&&r===this._$Ej?.get(t)&&!this.hasAttribute(o._$Eu(t,s))))return;this.C(t,e,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:s,reflect:n,wrapped:r},o){s&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,o??e??this[t]),r!==!0||o!==void 0)||(this._$AL.has(t)||(this.hasUpdated||s||(e=void 0),this._$AL.set(t,e)),n===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[n,r]of this._$Ep)this[n]=r;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[n,r]of s){let{wrapped:o}=r,c=this[n];o!==!0||this._$AL.has(n)||c===void 0||this.C(n,void 0,r,c)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(e)):this._$EM()}catch(s){throw t=!1,this._$EM(),s}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};g.elementStyles=[],g.shadowRootOptions={mode:"open"},g[C("elementProperties")]=new Map,g[C("finalized")]=new Map,Mt?.({ReactiveElement:g}),(j.reactiveElementVersions??=[]).push("2.1.2");var Q=globalThis,ct=i=>i,B=Q.trustedTypes,lt=B?B.createPolicy("lit-html",{createHTML:i=>i}):void 0,ft="$lit$",y=`lit$${Math.random().toFixed(9).slice(2)}$`,gt="?"+y,Ut=`<${gt}>`,b=document,D=()=>b.createComment(""),N=i=>i===null||typeof i!="object"&&typeof i!="function",X=Array.isArray,Tt=i=>X(i)||typeof i?.[Symbol.iterator]=="function",K=`[ 	
\f\r]`,H=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,dt=/-->/g,ht=/>/g,v=RegExp(`>|${K}(?:([^\\s"'>=/]+)(${K}*=${K}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),ut=/'/g,pt=/"/g,$t=/^(?:script|style|textarea|title)$/i,tt=i=>(t,...e)=>({_$litType$:i,strings:t,values:e}),p=tt(1),_t=tt(2),Jt=tt(3),x=Symbol.for("lit-noChange"),l=Symbol.for("lit-nothing"),mt=new WeakMap,A=b.createTreeWalker(b,129);function yt(i,t){if(!X(i)||!i.hasOwnProperty("raw"))throw Error("invalid template strings array");return lt!==void 0?lt.createHTML(t):t}var zt=(i,t)=>{let e=i.length-1,s=[],n,r=t===2?"<svg>":t===3?"<math>":"",o=H;for(let c=0;c<e;c++){let a=i[c],h,u,d=-1,f=0;for(;f<a.length&&(o.lastIndex=f,u=o.exec(a),u!==null);)f=o.lastIndex,o===H?u[1]==="!--"?o=dt:u[1]!==void 0?o=ht:u[2]!==void 0?($t.test(u[2])&&(n=RegExp("</"+u[2],"g")),o=v):u[3]!==void 0&&(o=v):o===v?u[0]===">"?(o=n??H,d=-1):u[1]===void 0?d=-2:(d=o.lastIndex-u[2].length,h=u[1],o=u[3]===void 0?v:u[3]==='"'?pt:ut):o===pt||o===ut?o=v:o===dt||o===ht?o=H:(o=v,n=void 0);let _=o===v&&i[c+1].startsWith("/>")?" ":"";r+=o===H?a+Ut:d>=0?(s.push(h),a.slice(0,d)+ft+a.slice(d)+y+_):a+y+(d===-2?c:_)}return[yt(i,r+(i[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),s]},k=class i{constructor({strings:t,_$litType$:e},s){let n;this.parts=[];let r=0,o=0,c=t.length-1,a=this.parts,[h,u]=zt(t,e);if(this.el=i.createElement(h,s),A.currentNode=this.el.content,e===2||e===3){let d=this.el.content.firstChild;d.replaceWith(...d.childNodes)}for(;(n=A.nextNode())!==null&&a.length<c;){if(n.nodeType===1){if(n.hasAttributes())for(let d of n.getAttributeNames())if(d.endsWith(ft)){let f=u[o++],_=n.getAttribute(d).split(y),T=/([.?@])?(.*)/.exec(f);a.push({type:1,index:r,name:T[2],strings:_,ctor:T[1]==="."?G:T[1]==="?"?Y:T[1]==="@"?Z:E}),n.removeAttribute(d)}else d.startsWith(y)&&(a.push({type:6,index:r}),n.removeAttribute(d));if($t.test(n.tagName)){let d=n.textContent.split(y),f=d.length-1;if(f>0){n.textContent=B?B.emptyScript:"";for(let _=0;_<f;_++)n.append(d[_],D()),A.nextNode(),a.push({type:2,index:++r});n.append(d[f],D())}}}else if(n.nodeType===8)if(n.data===gt)a.push({type:2,index:r});else{let d=-1;for(;(d=n.data.indexOf(y,d+1))!==-1;)a.push({type:7,index:r}),d+=y.length-1}r++}}static createElement(t,e){let s=b.createElement("template");return s.innerHTML=t,s}};function S(i,t,e=i,s){if(t===x)return t;let n=s!==void 0?e._$Co?.[s]:e._$Cl,r=N(t)?void 0:t._$litDirective$;return n?.constructor!==r&&(n?._$AO?.(!1),r===void 0?n=void 0:(n=new r(i),n._$AT(i,e,s)),s!==void 0?(e._$Co??=[])[s]=n:e._$Cl=n),n!==void 0&&(t=S(i,n._$AS(i,t.values),n,s)),t}var q=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:s}=this._$AD,n=(t?.creationScope??b).importNode(e,!0);A.currentNode=n;let r=A.nextNode(),o=0,c=0,a=s[0];for(;a!==void 0;){if(o===a.index){let h;a.type===2?h=new R(r,r.nextSibling,this,t):a.type===1?h=new a.ctor(r,a.name,a.strings,this,t):a.type===6&&(h=new J(r,this,t)),this._$AV.push(h),a=s[++c]}o!==a?.index&&(r=A.nextNode(),o++)}return A.currentNode=b,n}p(t){let e=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(t,s,e),e+=s.strings.length-2):s._$AI(t[e])),e++}},R=class i{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,s,n){this.type=2,this._$AH=l,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=s,this.options=n,this._$Cv=n?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=S(this,t,e),N(t)?t===l||t==null||t===""?(this._$AH!==l&&this._$AR(),this._$AH=l):t!==this._$AH&&t!==x&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):Tt(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==l&&N(this._$AH)?this._$AA.nextSibling.data=t:this.T(b.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:s}=t,n=typeof s=="number"?this._$AC(t):(s.el===void 0&&(s.el=k.createElement(yt(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===n)this._$AH.p(e);else{let r=new q(n,this),o=r.u(this.options);r.p(e),this.T(o),this._$AH=r}}_$AC(t){let e=mt.get(t.strings);return e===void 0&&mt.set(t.strings,e=new k(t)),e}k(t){X(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,s,n=0;for(let r of t)n===e.length?e.push(s=new i(this.O(D()),this.O(D()),this,this.options)):s=e[n],s._$AI(r),n++;n<e.length&&(this._$AR(s&&s._$AB.nextSibling,n),e.length=n)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let s=ct(t).nextSibling;ct(t).remove(),t=s}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},E=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,s,n,r){this.type=1,this._$AH=l,this._$AN=void 0,this.element=t,this.name=e,this._$AM=n,this.options=r,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=l}_$AI(t,e=this,s,n){let r=this.strings,o=!1;if(r===void 0)t=S(this,t,e,0),o=!N(t)||t!==this._$AH&&t!==x,o&&(this._$AH=t);else{let c=t,a,h;for(t=r[0],a=0;a<r.length-1;a++)h=S(this,c[s+a],e,a),h===x&&(h=this._$AH[a]),o||=!N(h)||h!==this._$AH[a],h===l?t=l:t!==l&&(t+=(h??"")+r[a+1]),this._$AH[a]=h}o&&!n&&this.j(t)}j(t){t===l?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},G=class extends E{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===l?void 0:t}},Y=class extends E{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==l)}},Z=class extends E{constructor(t,e,s,n,r){super(t,e,s,n,r),this.type=5}_$AI(t,e=this){if((t=S(this,t,e,0)??l)===x)return;let s=this._$AH,n=t===l&&s!==l||t.capture!==s.capture||t.once!==s.once||t.passive!==s.passive,r=t!==l&&(s===l||n);n&&this.element.removeEventListener(this.name,this,s),r&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},J=class{constructor(t,e,s){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(t){S(this,t)}};var Ot=Q.litHtmlPolyfillSupport;Ot?.(k,R),(Q.litHtmlVersions??=[]).push("3.3.3");var vt=(i,t,e)=>{let s=e?.renderBefore??t,n=s._$litPart$;if(n===void 0){let r=e?.renderBefore??null;s._$litPart$=n=new R(t.insertBefore(D(),r),r,void 0,e??{})}return n._$AI(i),n};var et=globalThis,$=class extends g{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=vt(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return x}};$._$litElement$=!0,$.finalized=!0,et.litElementHydrateSupport?.({LitElement:$});var Lt=et.litElementPolyfillSupport;Lt?.({LitElement:$});(et.litElementVersions??=[]).push("4.2.2");function jt(i){let{language:t,number_format:e}=i.locale??{language:i.language};switch(e){case"comma_decimal":return"en-US";case"decimal_comma":return"de";case"space_comma":return"fr";case"system":return;default:return t}}function Bt(i){return i.locale?.number_format!=="none"}function It(i){return i.locale?.time_zone==="server"?i.config.time_zone:void 0}function Ft(i){let t=i.locale?.time_format;return t==="12"?!0:t==="24"?!1:void 0}function P(i,t,e=0){return t==null||Number.isNaN(t)?"—":new Intl.NumberFormat(jt(i),{minimumFractionDigits:e,maximumFractionDigits:e,useGrouping:Bt(i)}).format(t)}function Vt(i){return typeof i=="string"?new Date(i):i}function At(i,t){return t?new Intl.DateTimeFormat(i.locale?.language??i.language,{hour:"2-digit",minute:"2-digit",hour12:Ft(i),timeZone:It(i)}).format(Vt(t)):"—"}function bt(i){if(!(!i||i.state==="unknown"||i.state==="unavailable"))return i.attributes.entity_picture}var xt={en:{card_name:"Printernizer printer",card_description:"A 3D printer: status, progress, times, temperatures, job cost and controls.",no_printer:"Choose a printer in the card's settings.",printer:"Printer",remaining:"Remaining",ends:"Ends",nozzle:"Nozzle",bed:"Bed",job_cost:"Job cost",pause:"Pause",resume:"Resume",stop:"Stop",confirm_stop:"Stop the print on {printer}? It cannot be resumed.",cancel:"Cancel",no_printers:"No Printernizer printer is set up."},de:{card_name:"Printernizer-Drucker",card_description:"Ein 3D-Drucker: Status, Fortschritt, Zeiten, Temperaturen, Auftragskosten und Steuerung.",no_printer:"Wähle in den Einstellungen der Karte einen Drucker.",printer:"Drucker",remaining:"Verbleibend",ends:"Ende",nozzle:"Düse",bed:"Bett",job_cost:"Auftragskosten",pause:"Pausieren",resume:"Fortsetzen",stop:"Stoppen",confirm_stop:"Den Druck auf {printer} stoppen? Er lässt sich nicht fortsetzen.",cancel:"Abbrechen",no_printers:"Es ist kein Printernizer-Drucker eingerichtet."}};function St(i){return(t,e,s={})=>{let n=(t?.language??"en").split("-")[0];return(i[n]?.[e]??i.en[e]??e).replace(/\{(\w+)\}/g,(o,c)=>String(s[c]??""))}}var m=St(xt),I="printernizer-printer-card",Et="printernizer-printer-card-editor",Wt=["printing","preparing","paused"];function Kt(i,t){let e={};if(!t)return e;for(let s of Object.values(i.entities??{}))s.device_id===t&&s.platform==="printernizer"&&s.translation_key&&(e[s.translation_key]=s.entity_id);return e}function wt(i){let t=new Set;for(let e of Object.values(i.entities??{}))e.platform==="printernizer"&&e.device_id&&t.add(e.device_id);return[...t].map(e=>({id:e,name:i.devices?.[e]?.name_by_user||i.devices?.[e]?.name||e})).sort((e,s)=>e.name.localeCompare(s.name))}var M=class extends ${static getConfigElement(){return document.createElement(Et)}static getStubConfig(t){return{type:`custom:${I}`,device_id:wt(t)[0]?.id}}setConfig(t){if(!t)throw new Error("Invalid configuration");this.config=t}getCardSize(){return 4}state(t,e){let s=t[e];return s?this.hass.states[s]:void 0}shown(t){return!t||["unknown","unavailable"].includes(t.state)?"—":this.hass.formatEntityState?.(t)??t.state}temperature(t,e){let s=this.state(t,`${e}_temperature`),n=this.state(t,`${e}_target_temperature`),r=Number(s?.state);if(!s||Number.isNaN(r))return"—";let o=Number(n?.state),c=`${P(this.hass,r,0)} °C`;return o?`${c} / ${P(this.hass,o,0)} °C`:c}async press(t,e){t&&(e&&!window.confirm(e)||await this.hass.callService("button","press",{entity_id:t}))}ring(t){let s=2*Math.PI*42;return p`<svg class="ring" viewBox="0 0 100 100" role="img" aria-label="${P(this.hass,t,0)} %">
      ${_t`<circle class="track" cx="50" cy="50" r=${42}></circle>
        <circle class="value" cx="50" cy="50" r=${42}
          stroke-dasharray=${s} stroke-dashoffset=${s*(1-t/100)}></circle>
        <text x="50" y="56" text-anchor="middle">${P(this.hass,t,0)} %</text>`}
    </svg>`}render(){if(!this.hass||!this.config)return l;let t=Kt(this.hass,this.config.device_id),e=this.config.device_id?this.hass.devices?.[this.config.device_id]:void 0;if(!e||!t.status)return p`<ha-card><div class="empty">${m(this.hass,"no_printer")}</div></ha-card>`;let s=e.name_by_user||e.name||"",n=this.state(t,"status"),r=Wt.includes(n?.state??""),o=Number(this.state(t,"progress")?.state),c=bt(this.state(t,"thumbnail")),a=this.state(t,"remaining_time"),h=this.state(t,"end_time")?.state,u=this.state(t,"job_name")?.state;return p`<ha-card>
      <div class="head">
        ${c?p`<img src=${c} alt="" />`:p`<div class="noimg"><ha-icon icon="mdi:printer-3d"></ha-icon></div>`}
        <div class="title">
          <div class="name">${s}</div>
          <div class="status">${this.shown(n)}</div>
          ${r&&u&&!["unknown","unavailable"].includes(u)?p`<div class="job">${u}</div>`:l}
        </div>
        ${r&&!Number.isNaN(o)?this.ring(o):l}
      </div>
      <dl>
        ${r?p`<dt>${m(this.hass,"remaining")}</dt><dd>${this.shown(a)}</dd>
              <dt>${m(this.hass,"ends")}</dt><dd>${h&&!["unknown","unavailable"].includes(h)?At(this.hass,h):"—"}</dd>`:l}
        <dt>${m(this.hass,"nozzle")}</dt><dd>${this.temperature(t,"nozzle")}</dd>
        <dt>${m(this.hass,"bed")}</dt><dd>${this.temperature(t,"bed")}</dd>
        <dt>${m(this.hass,"job_cost")}</dt><dd>${this.shown(this.state(t,"job_cost"))}</dd>
      </dl>
      ${r?p`<div class="buttons">
            ${n?.state==="paused"?p`<button @click=${()=>this.press(t.resume)}><ha-icon icon="mdi:play"></ha-icon>${m(this.hass,"resume")}</button>`:p`<button @click=${()=>this.press(t.pause)}><ha-icon icon="mdi:pause"></ha-icon>${m(this.hass,"pause")}</button>`}
            <button class="stop" @click=${()=>this.press(t.stop,m(this.hass,"confirm_stop",{printer:s}))}>
              <ha-icon icon="mdi:stop"></ha-icon>${m(this.hass,"stop")}
            </button>
          </div>`:l}
    </ha-card>`}};M.properties={hass:{attribute:!1},config:{state:!0}},M.styles=L`
    ha-card {
      padding: 16px;
      color: var(--primary-text-color);
    }
    .empty {
      color: var(--secondary-text-color);
    }
    .head {
      display: flex;
      gap: 12px;
      align-items: center;
    }
    img,
    .noimg {
      width: 64px;
      height: 64px;
      border-radius: 8px;
      object-fit: contain;
      flex: none;
      background: var(--secondary-background-color, rgba(127, 127, 127, 0.1));
    }
    .noimg {
      display: flex;
      align-items: center;
      justify-content: center;
      color: var(--secondary-text-color);
      --mdc-icon-size: 32px;
    }
    .title {
      flex: 1;
      min-width: 0;
    }
    .name {
      font-size: 1.15em;
      font-weight: 500;
    }
    .status,
    .job {
      color: var(--secondary-text-color);
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .ring {
      width: 72px;
      height: 72px;
      flex: none;
    }
    .ring circle {
      fill: none;
      stroke-width: 9;
    }
    .ring .track {
      stroke: var(--divider-color, #e0e0e0);
    }
    .ring .value {
      stroke: var(--primary-color, #03a9f4);
      transform: rotate(-90deg);
      transform-origin: 50% 50%;
      stroke-linecap: round;
    }
    .ring text {
      fill: var(--primary-text-color);
      font-size: 20px;
    }
    dl {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 4px 12px;
      margin: 12px 0 0;
    }
    dt {
      color: var(--secondary-text-color);
    }
    dd {
      margin: 0;
      text-align: right;
      font-variant-numeric: tabular-nums;
    }
    .buttons {
      display: flex;
      gap: 8px;
      justify-content: flex-end;
      margin-top: 12px;
    }
    button {
      display: inline-flex;
      align-items: center;
      gap: 4px;
      font: inherit;
      font-weight: 500;
      border-radius: 18px;
      padding: 6px 14px;
      cursor: pointer;
      border: 1px solid var(--primary-color, #03a9f4);
      background: transparent;
      color: var(--primary-color, #03a9f4);
      --mdc-icon-size: 18px;
    }
    button.stop {
      border-color: var(--error-color, #db4437);
      color: var(--error-color, #db4437);
    }
    button:focus-visible {
      outline: 2px solid var(--primary-color, #03a9f4);
      outline-offset: 2px;
    }
  `;var U=class extends ${setConfig(t){this.config=t}changed(t){let e=t.target.value;this.config={...this.config,device_id:e},this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:this.config},bubbles:!0,composed:!0}))}render(){if(!this.hass||!this.config)return l;let t=wt(this.hass);return t.length?p`<label>
      ${m(this.hass,"printer")}
      <select @change=${this.changed}>
        ${this.config.device_id?l:p`<option value="" selected></option>`}
        ${t.map(e=>p`<option value=${e.id} ?selected=${e.id===this.config.device_id}>${e.name}</option>`)}
      </select>
    </label>`:p`<p>${m(this.hass,"no_printers")}</p>`}};U.properties={hass:{attribute:!1},config:{state:!0}},U.styles=L`
    label {
      display: flex;
      flex-direction: column;
      gap: 6px;
      color: var(--secondary-text-color);
    }
    select {
      font: inherit;
      font-size: 1rem;
      padding: 8px;
      border-radius: 6px;
      border: 1px solid var(--divider-color, #ccc);
      color: var(--primary-text-color);
      background: var(--card-background-color, transparent);
    }
  `;if(!customElements.get(I)){customElements.define(I,M),customElements.define(Et,U);let i=window;i.customCards=i.customCards??[],i.customCards.push({type:I,name:m(void 0,"card_name"),description:m(void 0,"card_description"),preview:!0,documentationURL:"https://github.com/printernizer/printernizer-homeassistant#printer-card"})}export{M as PrinternizerPrinterCard,U as PrinternizerPrinterCardEditor};
/*! Bundled license information:

@lit/reactive-element/css-tag.js:
  (**
   * @license
   * Copyright 2019 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

@lit/reactive-element/reactive-element.js:
lit-html/lit-html.js:
lit-element/lit-element.js:
  (**
   * @license
   * Copyright 2017 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/is-server.js:
  (**
   * @license
   * Copyright 2022 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)
*/
