var Y=globalThis,Z=Y.ShadowRoot&&(Y.ShadyCSS===void 0||Y.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,ae=Symbol(),xe=new WeakMap,q=class{constructor(e,t,i){if(this._$cssResult$=!0,i!==ae)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=e,this.t=t}get styleSheet(){let e=this.o,t=this.t;if(Z&&e===void 0){let i=t!==void 0&&t.length===1;i&&(e=xe.get(t)),e===void 0&&((this.o=e=new CSSStyleSheet).replaceSync(this.cssText),i&&xe.set(t,e))}return e}toString(){return this.cssText}},Ee=r=>new q(typeof r=="string"?r:r+"",void 0,ae),f=(r,...e)=>{let t=r.length===1?r[0]:e.reduce((i,s,n)=>i+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(s)+r[n+1],r[0]);return new q(t,r,ae)},Se=(r,e)=>{if(Z)r.adoptedStyleSheets=e.map(t=>t instanceof CSSStyleSheet?t:t.styleSheet);else for(let t of e){let i=document.createElement("style"),s=Y.litNonce;s!==void 0&&i.setAttribute("nonce",s),i.textContent=t.cssText,r.appendChild(i)}},ne=Z?r=>r:r=>r instanceof CSSStyleSheet?(e=>{let t="";for(let i of e.cssRules)t+=i.cssText;return Ee(t)})(r):r;var{is:et,defineProperty:tt,getOwnPropertyDescriptor:it,getOwnPropertyNames:st,getOwnPropertySymbols:rt,getPrototypeOf:at}=Object,X=globalThis,ke=X.trustedTypes,nt=ke?ke.emptyScript:"",ot=X.reactiveElementPolyfillSupport,H=(r,e)=>r,oe={toAttribute(r,e){switch(e){case Boolean:r=r?nt:null;break;case Object:case Array:r=r==null?r:JSON.stringify(r)}return r},fromAttribute(r,e){let t=r;switch(e){case Boolean:t=r!==null;break;case Number:t=r===null?null:Number(r);break;case Object:case Array:try{t=JSON.parse(r)}catch{t=null}}return t}},Pe=(r,e)=>!et(r,e),Ae={attribute:!0,type:String,converter:oe,reflect:!1,useDefault:!1,hasChanged:Pe};Symbol.metadata??=Symbol("metadata"),X.litPropertyMetadata??=new WeakMap;var w=class extends HTMLElement{static addInitializer(e){this._$Ei(),(this.l??=[]).push(e)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(e,t=Ae){if(t.state&&(t.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(e)&&((t=Object.create(t)).wrapped=!0),this.elementProperties.set(e,t),!t.noAccessor){let i=Symbol(),s=this.getPropertyDescriptor(e,i,t);s!==void 0&&tt(this.prototype,e,s)}}static getPropertyDescriptor(e,t,i){let{get:s,set:n}=it(this.prototype,e)??{get(){return this[t]},set(o){this[t]=o}};return{get:s,set(o){let c=s?.call(this);n?.call(this,o),this.requestUpdate(e,c,i)},configurable:!0,enumerable:!0}}static getPropertyOptions(e){return this.elementProperties.get(e)??Ae}static _$Ei(){if(this.hasOwnProperty(H("elementProperties")))return;let e=at(this);e.finalize(),e.l!==void 0&&(this.l=[...e.l]),this.elementProperties=new Map(e.elementProperties)}static finalize(){if(this.hasOwnProperty(H("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(H("properties"))){let t=this.properties,i=[...st(t),...rt(t)];for(let s of i)this.createProperty(s,t[s])}let e=this[Symbol.metadata];if(e!==null){let t=litPropertyMetadata.get(e);if(t!==void 0)for(let[i,s]of t)this.elementProperties.set(i,s)}this._$Eh=new Map;for(let[t,i]of this.elementProperties){let s=this._$Eu(t,i);s!==void 0&&this._$Eh.set(s,t)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(e){let t=[];if(Array.isArray(e)){let i=new Set(e.flat(1/0).reverse());for(let s of i)t.unshift(ne(s))}else e!==void 0&&t.push(ne(e));return t}static _$Eu(e,t){let i=t.attribute;return i===!1?void 0:typeof i=="string"?i:typeof e=="string"?e.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(e=>this.enableUpdating=e),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(e=>e(this))}addController(e){(this._$EO??=new Set).add(e),this.renderRoot!==void 0&&this.isConnected&&e.hostConnected?.()}removeController(e){this._$EO?.delete(e)}_$E_(){let e=new Map,t=this.constructor.elementProperties;for(let i of t.keys())this.hasOwnProperty(i)&&(e.set(i,this[i]),delete this[i]);e.size>0&&(this._$Ep=e)}createRenderRoot(){let e=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return Se(e,this.constructor.elementStyles),e}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(e=>e.hostConnected?.())}enableUpdating(e){}disconnectedCallback(){this._$EO?.forEach(e=>e.hostDisconnected?.())}attributeChangedCallback(e,t,i){this._$AK(e,i)}_$ET(e,t){let i=this.constructor.elementProperties.get(e),s=this.constructor._$Eu(e,i);if(s!==void 0&&i.reflect===!0){let n=(i.converter?.toAttribute!==void 0?i.converter:oe).toAttribute(t,i.type);this._$Em=e,n==null?this.removeAttribute(s):this.setAttribute(s,n),this._$Em=null}}_$AK(e,t){let i=this.constructor,s=i._$Eh.get(e);if(s!==void 0&&this._$Em!==s){let n=i.getPropertyOptions(s),o=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:oe;this._$Em=s;let c=o.fromAttribute(t,n.type);this[s]=c??this._$Ej?.get(s)??c,this._$Em=null}}requestUpdate(e,t,i,s=!1,n){if(e!==void 0){let o=this.constructor;if(s===!1&&(n=this[e]),i??=o.getPropertyOptions(e),!((i.hasChanged??Pe)(n,t)||i.useDefault&&i.reflect&&n===this._$Ej?.get(e)&&!this.hasAttribute(o._$Eu(e,i))))return;this.C(e,t,i)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(e,t,{useDefault:i,reflect:s,wrapped:n},o){i&&!(this._$Ej??=new Map).has(e)&&(this._$Ej.set(e,o??t??this[e]),n!==!0||o!==void 0)||(this._$AL.has(e)||(this.hasUpdated||i||(t=void 0),this._$AL.set(e,t)),s===!0&&this._$Em!==e&&(this._$Eq??=new Set).add(e))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(t){Promise.reject(t)}let e=this.scheduleUpdate();return e!=null&&await e,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[s,n]of this._$Ep)this[s]=n;this._$Ep=void 0}let i=this.constructor.elementProperties;if(i.size>0)for(let[s,n]of i){let{wrapped:o}=n,c=this[s];o!==!0||this._$AL.has(s)||c===void 0||this.C(s,void 0,n,c)}}let e=!1,t=this._$AL;try{e=this.shouldUpdate(t),e?(this.willUpdate(t),this._$EO?.forEach(i=>i.hostUpdate?.()),this.update(t)):this._$EM()}catch(i){throw e=!1,this._$EM(),i}e&&this._$AE(t)}willUpdate(e){}_$AE(e){this._$EO?.forEach(t=>t.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(e)),this.updated(e)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(e){return!0}update(e){this._$Eq&&=this._$Eq.forEach(t=>this._$ET(t,this[t])),this._$EM()}updated(e){}firstUpdated(e){}};w.elementStyles=[],w.shadowRootOptions={mode:"open"},w[H("elementProperties")]=new Map,w[H("finalized")]=new Map,ot?.({ReactiveElement:w}),(X.reactiveElementVersions??=[]).push("2.1.2");var me=globalThis,De=r=>r,ee=me.trustedTypes,Ce=ee?ee.createPolicy("lit-html",{createHTML:r=>r}):void 0,qe="$lit$",k=`lit$${Math.random().toFixed(9).slice(2)}$`,He="?"+k,lt=`<${He}>`,C=document,R=()=>C.createComment(""),B=r=>r===null||typeof r!="object"&&typeof r!="function",ge=Array.isArray,dt=r=>ge(r)||typeof r?.[Symbol.iterator]=="function",le=`[ 	
\f\r]`,N=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,ze=/-->/g,Le=/>/g,P=RegExp(`>|${le}(?:([^\\s"'>=/]+)(${le}*=${le}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),Me=/'/g,je=/"/g,Ne=/^(?:script|style|textarea|title)$/i,fe=r=>(e,...t)=>({_$litType$:r,strings:e,values:t}),a=fe(1),te=fe(2),Re=fe(3),z=Symbol.for("lit-noChange"),l=Symbol.for("lit-nothing"),Te=new WeakMap,D=C.createTreeWalker(C,129);function Be(r,e){if(!ge(r)||!r.hasOwnProperty("raw"))throw Error("invalid template strings array");return Ce!==void 0?Ce.createHTML(e):e}var ct=(r,e)=>{let t=r.length-1,i=[],s,n=e===2?"<svg>":e===3?"<math>":"",o=N;for(let c=0;c<t;c++){let d=r[c],h,m,u=-1,y=0;for(;y<d.length&&(o.lastIndex=y,m=o.exec(d),m!==null);)y=o.lastIndex,o===N?m[1]==="!--"?o=ze:m[1]!==void 0?o=Le:m[2]!==void 0?(Ne.test(m[2])&&(s=RegExp("</"+m[2],"g")),o=P):m[3]!==void 0&&(o=P):o===P?m[0]===">"?(o=s??N,u=-1):m[1]===void 0?u=-2:(u=o.lastIndex-m[2].length,h=m[1],o=m[3]===void 0?P:m[3]==='"'?je:Me):o===je||o===Me?o=P:o===ze||o===Le?o=N:(o=P,s=void 0);let S=o===P&&r[c+1].startsWith("/>")?" ":"";n+=o===N?d+lt:u>=0?(i.push(h),d.slice(0,u)+qe+d.slice(u)+k+S):d+k+(u===-2?c:S)}return[Be(r,n+(r[t]||"<?>")+(e===2?"</svg>":e===3?"</math>":"")),i]},O=class r{constructor({strings:e,_$litType$:t},i){let s;this.parts=[];let n=0,o=0,c=e.length-1,d=this.parts,[h,m]=ct(e,t);if(this.el=r.createElement(h,i),D.currentNode=this.el.content,t===2||t===3){let u=this.el.content.firstChild;u.replaceWith(...u.childNodes)}for(;(s=D.nextNode())!==null&&d.length<c;){if(s.nodeType===1){if(s.hasAttributes())for(let u of s.getAttributeNames())if(u.endsWith(qe)){let y=m[o++],S=s.getAttribute(u).split(k),Q=/([.?@])?(.*)/.exec(y);d.push({type:1,index:n,name:Q[2],strings:S,ctor:Q[1]==="."?ce:Q[1]==="?"?he:Q[1]==="@"?ue:j}),s.removeAttribute(u)}else u.startsWith(k)&&(d.push({type:6,index:n}),s.removeAttribute(u));if(Ne.test(s.tagName)){let u=s.textContent.split(k),y=u.length-1;if(y>0){s.textContent=ee?ee.emptyScript:"";for(let S=0;S<y;S++)s.append(u[S],R()),D.nextNode(),d.push({type:2,index:++n});s.append(u[y],R())}}}else if(s.nodeType===8)if(s.data===He)d.push({type:2,index:n});else{let u=-1;for(;(u=s.data.indexOf(k,u+1))!==-1;)d.push({type:7,index:n}),u+=k.length-1}n++}}static createElement(e,t){let i=C.createElement("template");return i.innerHTML=e,i}};function M(r,e,t=r,i){if(e===z)return e;let s=i!==void 0?t._$Co?.[i]:t._$Cl,n=B(e)?void 0:e._$litDirective$;return s?.constructor!==n&&(s?._$AO?.(!1),n===void 0?s=void 0:(s=new n(r),s._$AT(r,t,i)),i!==void 0?(t._$Co??=[])[i]=s:t._$Cl=s),s!==void 0&&(e=M(r,s._$AS(r,e.values),s,i)),e}var de=class{constructor(e,t){this._$AV=[],this._$AN=void 0,this._$AD=e,this._$AM=t}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(e){let{el:{content:t},parts:i}=this._$AD,s=(e?.creationScope??C).importNode(t,!0);D.currentNode=s;let n=D.nextNode(),o=0,c=0,d=i[0];for(;d!==void 0;){if(o===d.index){let h;d.type===2?h=new U(n,n.nextSibling,this,e):d.type===1?h=new d.ctor(n,d.name,d.strings,this,e):d.type===6&&(h=new pe(n,this,e)),this._$AV.push(h),d=i[++c]}o!==d?.index&&(n=D.nextNode(),o++)}return D.currentNode=C,s}p(e){let t=0;for(let i of this._$AV)i!==void 0&&(i.strings!==void 0?(i._$AI(e,i,t),t+=i.strings.length-2):i._$AI(e[t])),t++}},U=class r{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(e,t,i,s){this.type=2,this._$AH=l,this._$AN=void 0,this._$AA=e,this._$AB=t,this._$AM=i,this.options=s,this._$Cv=s?.isConnected??!0}get parentNode(){let e=this._$AA.parentNode,t=this._$AM;return t!==void 0&&e?.nodeType===11&&(e=t.parentNode),e}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(e,t=this){e=M(this,e,t),B(e)?e===l||e==null||e===""?(this._$AH!==l&&this._$AR(),this._$AH=l):e!==this._$AH&&e!==z&&this._(e):e._$litType$!==void 0?this.$(e):e.nodeType!==void 0?this.T(e):dt(e)?this.k(e):this._(e)}O(e){return this._$AA.parentNode.insertBefore(e,this._$AB)}T(e){this._$AH!==e&&(this._$AR(),this._$AH=this.O(e))}_(e){this._$AH!==l&&B(this._$AH)?this._$AA.nextSibling.data=e:this.T(C.createTextNode(e)),this._$AH=e}$(e){let{values:t,_$litType$:i}=e,s=typeof i=="number"?this._$AC(e):(i.el===void 0&&(i.el=O.createElement(Be(i.h,i.h[0]),this.options)),i);if(this._$AH?._$AD===s)this._$AH.p(t);else{let n=new de(s,this),o=n.u(this.options);n.p(t),this.T(o),this._$AH=n}}_$AC(e){let t=Te.get(e.strings);return t===void 0&&Te.set(e.strings,t=new O(e)),t}k(e){ge(this._$AH)||(this._$AH=[],this._$AR());let t=this._$AH,i,s=0;for(let n of e)s===t.length?t.push(i=new r(this.O(R()),this.O(R()),this,this.options)):i=t[s],i._$AI(n),s++;s<t.length&&(this._$AR(i&&i._$AB.nextSibling,s),t.length=s)}_$AR(e=this._$AA.nextSibling,t){for(this._$AP?.(!1,!0,t);e!==this._$AB;){let i=De(e).nextSibling;De(e).remove(),e=i}}setConnected(e){this._$AM===void 0&&(this._$Cv=e,this._$AP?.(e))}},j=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(e,t,i,s,n){this.type=1,this._$AH=l,this._$AN=void 0,this.element=e,this.name=t,this._$AM=s,this.options=n,i.length>2||i[0]!==""||i[1]!==""?(this._$AH=Array(i.length-1).fill(new String),this.strings=i):this._$AH=l}_$AI(e,t=this,i,s){let n=this.strings,o=!1;if(n===void 0)e=M(this,e,t,0),o=!B(e)||e!==this._$AH&&e!==z,o&&(this._$AH=e);else{let c=e,d,h;for(e=n[0],d=0;d<n.length-1;d++)h=M(this,c[i+d],t,d),h===z&&(h=this._$AH[d]),o||=!B(h)||h!==this._$AH[d],h===l?e=l:e!==l&&(e+=(h??"")+n[d+1]),this._$AH[d]=h}o&&!s&&this.j(e)}j(e){e===l?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,e??"")}},ce=class extends j{constructor(){super(...arguments),this.type=3}j(e){this.element[this.name]=e===l?void 0:e}},he=class extends j{constructor(){super(...arguments),this.type=4}j(e){this.element.toggleAttribute(this.name,!!e&&e!==l)}},ue=class extends j{constructor(e,t,i,s,n){super(e,t,i,s,n),this.type=5}_$AI(e,t=this){if((e=M(this,e,t,0)??l)===z)return;let i=this._$AH,s=e===l&&i!==l||e.capture!==i.capture||e.once!==i.once||e.passive!==i.passive,n=e!==l&&(i===l||s);s&&this.element.removeEventListener(this.name,this,i),n&&this.element.addEventListener(this.name,this,e),this._$AH=e}handleEvent(e){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,e):this._$AH.handleEvent(e)}},pe=class{constructor(e,t,i){this.element=e,this.type=6,this._$AN=void 0,this._$AM=t,this.options=i}get _$AU(){return this._$AM._$AU}_$AI(e){M(this,e)}};var ht=me.litHtmlPolyfillSupport;ht?.(O,U),(me.litHtmlVersions??=[]).push("3.3.3");var Oe=(r,e,t)=>{let i=t?.renderBefore??e,s=i._$litPart$;if(s===void 0){let n=t?.renderBefore??null;i._$litPart$=s=new U(e.insertBefore(R(),n),n,void 0,t??{})}return s._$AI(r),s};var be=globalThis,v=class extends w{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let e=super.createRenderRoot();return this.renderOptions.renderBefore??=e.firstChild,e}update(e){let t=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(e),this._$Do=Oe(t,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return z}};v._$litElement$=!0,v.finalized=!0,be.litElementHydrateSupport?.({LitElement:v});var ut=be.litElementPolyfillSupport;ut?.({LitElement:v});(be.litElementVersions??=[]).push("4.2.2");var Ie=Symbol.for(""),pt=r=>{if(r?.r===Ie)return r?._$litStatic$},We=r=>({_$litStatic$:r,r:Ie});var Ue=new Map,$e=r=>(e,...t)=>{let i=t.length,s,n,o=[],c=[],d,h=0,m=!1;for(;h<i;){for(d=e[h];h<i&&(n=t[h],(s=pt(n))!==void 0);)d+=s+e[++h],m=!0;h!==i&&c.push(n),o.push(d),h++}if(h===i&&o.push(e[i]),m){let u=o.join("$$lit$$");(e=Ue.get(u))===void 0&&(o.raw=o,Ue.set(u,e=o)),t=c}return r(e,...t)},Fe=$e(a),Ht=$e(te),Nt=$e(Re);function Ke(r){return(e,t,i={})=>{let s=(e?.language??"en").split("-")[0];return(r[s]?.[t]??r.en[t]??t).replace(/\{(\w+)\}/g,(o,c)=>String(i[c]??""))}}var Je={en:{title:"Printernizer",menu:"Menu",view_farm:"Farm",view_jobs:"Jobs",view_files:"Files",view_costs:"Costs",read_only:"Read-only",loading:"Loading…",error:"Error: {message}",retry:"Retry",close:"Close",cancel:"Cancel",save:"Save",saved:"Saved",confirm:"Confirm",all:"All",none:"—",yes:"Yes",no:"No","reason.job_finished":"Job finished","reason.job_failed":"Job failed","reason.job_cancelled":"Job cancelled","reason.set_job_category":"Corrected","status.offline":"Offline","status.idle":"Idle","status.preparing":"Preparing","status.printing":"Printing","status.paused":"Paused","status.finished":"Finished","status.failed":"Failed","status.error":"Error","status.cancelled":"Cancelled","category.business":"Business","category.private":"Private",no_printers:"No printer is set up yet. Add one under Settings → Devices & services → Printernizer.",progress:"Progress",remaining:"Remaining",ends:"Ends",job:"Job",nozzle:"Nozzle",bed:"Bed",chamber:"Chamber",layer:"Layer {current} of {total}",today_cost:"Today",job_cost:"Job cost",pause:"Pause",resume:"Resume",stop:"Stop",confirm_pause:"Pause the print on {printer}?",confirm_resume:"Resume the print on {printer}?",confirm_stop:"Stop the print on {printer}? A stopped print cannot be resumed.",period:"Period","period.all":"All time","period.this_month":"This month","period.last_month":"Last month","period.this_year":"This year","period.custom":"Custom",from:"From",to:"To",printer:"Printer",status:"Status",category:"Category",date:"Date",duration:"Duration",material:"Material",gross:"Gross",net:"Net",vat:"VAT",jobs_count:"Jobs",energy:"Energy",machine:"Machine",page:"{first}–{last} of {total}",previous_page:"Previous page",next_page:"Next page",no_jobs:"No jobs in this selection.",job_details:"Job {id}",cost_breakdown:"Cost breakdown",prices_used:"Prices used",revisions:"Revisions",revision:"Revision {revision}",changed:"Changed: {fields}",customer:"Customer",note:"Note",edit:"Correct",started:"Started",ended:"Ended",file:"File",incomplete:"Incomplete record",photo_of:"Photo of {name} as it ended",sort_by:"Sort by {column}","price.material":"{material} per kg","price.from_default":"(default price: not in the table)","price.default_material_price":"Other materials per kg","price.electricity_price":"Electricity per kWh","price.machine_rate":"Machine rate per hour","price.vat_rate":"VAT rate (%)","price.small_business":"Kleinunternehmer (§19 UStG)","price.power_watts":"Power while printing (W)",search:"Search",name:"Name",size:"Size","file.remote":"On the printer","file.downloading":"Downloading","file.downloaded":"Downloaded","file.failed":"Failed","file.local_only":"Local only","file.deleted":"Deleted",download:"Download",no_files:"No files.",cleanup:"Clean up downloads",older_than:"Downloaded more than … days ago",include_business:"Include files of business jobs within the retention period",preview:"Preview",preview_result:"{count} files, {size} would be deleted.",nothing_to_delete:"Nothing would be deleted.",delete_files:"Delete {count} files",confirm_delete:"Delete {count} downloaded files ({size})? Files on the printers stay.",deleted_result:"{count} files deleted, {size} freed.",group_by:"Group by","group.printer":"Printer","group.category":"Category","group.material":"Material","group.month":"Month",totals:"Totals",material_g:"Material",energy_kwh:"Energy",material_cost:"Material cost",chart_title:"{figure} by {group}",export:"Export",format:"Format","format.csv_de":"CSV (German Excel)","format.csv":"CSV","format.json":"JSON",exported:"{rows} jobs exported: {name}",unpriced:"{count} jobs without a price",view_queue:"Queue",queue_printers:"Printers",plate_clear:"Plate clear",plate_not_clear:"Plate not clear",mark_plate_clear:"Plate is clear",mark_plate_clear_of:"Mark the plate of {printer} clear",waiting_for_printer:"{count} waiting",queue_add:"Queue a print",queue_source:"What to print","source.file":"Downloaded file","source.remote":"File on the printer",queue_file:"File",queue_path:"Path on the printer",queue_for:"Printers (whichever is free first)",copies:"Copies",add_to_queue:"Add to queue",queued:"{count} queued",no_queue:"The queue is empty.",no_downloads:"No downloaded files.",position:"Position",attempts:"Attempts",move_up:"Move up",move_down:"Move down",cancel_item:"Cancel",confirm_cancel_item:"Take {name} out of the queue?",remove_from_queue:"Remove from queue","queue.waiting":"Waiting","queue.uploading":"Uploading","queue.starting":"Starting","queue.printing":"Printing","queue.done":"Done","queue.failed":"Failed","queue.cancelled":"Cancelled",queue_rule:"A printer takes the next print only when it is idle and its plate is marked clear; a print's end marks the plate not clear."},de:{title:"Printernizer",menu:"Menü",view_farm:"Farm",view_jobs:"Aufträge",view_files:"Dateien",view_costs:"Kosten",read_only:"Nur lesen",loading:"Wird geladen …",error:"Fehler: {message}",retry:"Erneut versuchen",close:"Schließen",cancel:"Abbrechen",save:"Speichern",saved:"Gespeichert",confirm:"Bestätigen",all:"Alle",none:"—",yes:"Ja",no:"Nein","reason.job_finished":"Auftrag fertig","reason.job_failed":"Auftrag fehlgeschlagen","reason.job_cancelled":"Auftrag abgebrochen","reason.set_job_category":"Korrigiert","status.offline":"Offline","status.idle":"Bereit","status.preparing":"Vorbereitung","status.printing":"Druckt","status.paused":"Pausiert","status.finished":"Fertig","status.failed":"Fehlgeschlagen","status.error":"Fehler","status.cancelled":"Abgebrochen","category.business":"Geschäftlich","category.private":"Privat",no_printers:"Noch kein Drucker eingerichtet. Füge einen unter Einstellungen → Geräte & Dienste → Printernizer hinzu.",progress:"Fortschritt",remaining:"Verbleibend",ends:"Ende",job:"Auftrag",nozzle:"Düse",bed:"Bett",chamber:"Bauraum",layer:"Schicht {current} von {total}",today_cost:"Heute",job_cost:"Auftragskosten",pause:"Pausieren",resume:"Fortsetzen",stop:"Stoppen",confirm_pause:"Den Druck auf {printer} pausieren?",confirm_resume:"Den Druck auf {printer} fortsetzen?",confirm_stop:"Den Druck auf {printer} stoppen? Ein gestoppter Druck lässt sich nicht fortsetzen.",period:"Zeitraum","period.all":"Gesamter Zeitraum","period.this_month":"Dieser Monat","period.last_month":"Letzter Monat","period.this_year":"Dieses Jahr","period.custom":"Benutzerdefiniert",from:"Von",to:"Bis",printer:"Drucker",status:"Status",category:"Kategorie",date:"Datum",duration:"Dauer",material:"Material",gross:"Brutto",net:"Netto",vat:"USt",jobs_count:"Aufträge",energy:"Energie",machine:"Maschine",page:"{first}–{last} von {total}",previous_page:"Vorherige Seite",next_page:"Nächste Seite",no_jobs:"Keine Aufträge in dieser Auswahl.",job_details:"Auftrag {id}",cost_breakdown:"Kostenaufstellung",prices_used:"Verwendete Preise",revisions:"Revisionen",revision:"Revision {revision}",changed:"Geändert: {fields}",customer:"Kunde",note:"Notiz",edit:"Korrigieren",started:"Beginn",ended:"Ende",file:"Datei",incomplete:"Unvollständiger Eintrag",photo_of:"Foto von {name} zum Ende des Auftrags",sort_by:"Nach {column} sortieren","price.material":"{material} je kg","price.from_default":"(Standardpreis: nicht in der Tabelle)","price.default_material_price":"Andere Materialien je kg","price.electricity_price":"Strom je kWh","price.machine_rate":"Maschinensatz je Stunde","price.vat_rate":"USt-Satz (%)","price.small_business":"Kleinunternehmer (§ 19 UStG)","price.power_watts":"Leistung beim Drucken (W)",search:"Suchen",name:"Name",size:"Größe","file.remote":"Auf dem Drucker","file.downloading":"Wird heruntergeladen","file.downloaded":"Heruntergeladen","file.failed":"Fehlgeschlagen","file.local_only":"Nur lokal","file.deleted":"Gelöscht",download:"Herunterladen",no_files:"Keine Dateien.",cleanup:"Downloads aufräumen",older_than:"Vor mehr als … Tagen heruntergeladen",include_business:"Dateien geschäftlicher Aufträge in der Aufbewahrungsfrist einschließen",preview:"Vorschau",preview_result:"{count} Dateien, {size} würden gelöscht.",nothing_to_delete:"Es würde nichts gelöscht.",delete_files:"{count} Dateien löschen",confirm_delete:"{count} heruntergeladene Dateien ({size}) löschen? Die Dateien auf den Druckern bleiben.",deleted_result:"{count} Dateien gelöscht, {size} frei.",group_by:"Gruppieren nach","group.printer":"Drucker","group.category":"Kategorie","group.material":"Material","group.month":"Monat",totals:"Summen",material_g:"Material",energy_kwh:"Energie",material_cost:"Materialkosten",chart_title:"{figure} nach {group}",export:"Exportieren",format:"Format","format.csv_de":"CSV (deutsches Excel)","format.csv":"CSV","format.json":"JSON",exported:"{rows} Aufträge exportiert: {name}",unpriced:"{count} Aufträge ohne Preis",view_queue:"Warteschlange",queue_printers:"Drucker",plate_clear:"Druckplatte frei",plate_not_clear:"Druckplatte belegt",mark_plate_clear:"Druckplatte ist frei",mark_plate_clear_of:"Druckplatte von {printer} als frei markieren",waiting_for_printer:"{count} wartend",queue_add:"Druck einreihen",queue_source:"Was gedruckt wird","source.file":"Heruntergeladene Datei","source.remote":"Datei auf dem Drucker",queue_file:"Datei",queue_path:"Pfad auf dem Drucker",queue_for:"Drucker (der erste freie)",copies:"Anzahl",add_to_queue:"Einreihen",queued:"{count} eingereiht",no_queue:"Die Warteschlange ist leer.",no_downloads:"Keine heruntergeladenen Dateien.",position:"Position",attempts:"Versuche",move_up:"Nach oben",move_down:"Nach unten",cancel_item:"Abbrechen",confirm_cancel_item:"{name} aus der Warteschlange nehmen?",remove_from_queue:"Aus der Warteschlange nehmen","queue.waiting":"Wartend","queue.uploading":"Wird hochgeladen","queue.starting":"Startet","queue.printing":"Druckt","queue.done":"Erledigt","queue.failed":"Fehlgeschlagen","queue.cancelled":"Abgebrochen",queue_rule:"Ein Drucker nimmt den nächsten Druck nur, wenn er bereit ist und seine Druckplatte als frei markiert ist; das Ende eines Drucks markiert sie als belegt."}};var L=Ke(Je);function mt(r,e){let t=e;if(t?.translation_key){let i=r.localize(`component.printernizer.exceptions.${t.translation_key}.message`,t.translation_placeholders??{});if(i)return i}return t?.message??String(e)}var ie=class extends EventTarget{emit(e){this.dispatchEvent(new CustomEvent("live",{detail:e}))}},g=class extends v{constructor(){super();this.loaded=!1;this.onLive=t=>this.handleLive(t.detail);this.narrow=!1,this.readOnly=!0,this.error=null}connectedCallback(){super.connectedCallback(),this.live?.addEventListener("live",this.onLive),this.loaded&&this.run(()=>this.load())}disconnectedCallback(){super.disconnectedCallback(),this.live?.removeEventListener("live",this.onLive)}willUpdate(t){t.has("live")&&(t.get("live")?.removeEventListener("live",this.onLive),this.live?.addEventListener("live",this.onLive)),!this.loaded&&this.hass&&(this.loaded=!0,this.run(()=>this.load()))}async load(){}handleLive(t){}async run(t){try{return await t(),this.error=null,!0}catch(i){return this.error=mt(this.hass,i),!1}}t(t,i){return L(this.hass,t,i)}renderError(){return this.error?a`<div class="error" role="alert">${this.error}</div>`:null}confirm(t,i){let s=document.createElement("printernizer-confirm");return s.text=t,s.confirmLabel=i??this.t("confirm"),s.cancelLabel=this.t("cancel"),this.shadowRoot.appendChild(s),s.ask()}};g.properties={hass:{attribute:!1},narrow:{type:Boolean},readOnly:{type:Boolean},live:{attribute:!1},error:{state:!0}};var I=class extends v{async ask(){return await this.updateComplete,this.shadowRoot.querySelector("dialog").showModal(),new Promise(t=>{this.resolve=t})}close(e){this.shadowRoot.querySelector("dialog").close(),this.resolve?.(e),this.remove()}render(){return a`<dialog @cancel=${e=>{e.preventDefault(),this.close(!1)}}>
      <p>${this.text}</p>
      <div class="actions">
        <button class="secondary" @click=${()=>this.close(!1)}>${this.cancelLabel}</button>
        <button class="primary" autofocus @click=${()=>this.close(!0)}>${this.confirmLabel}</button>
      </div>
    </dialog>`}};I.properties={text:{},confirmLabel:{},cancelLabel:{}},I.styles=[f`
      dialog {
        border: none;
        border-radius: 12px;
        padding: 20px 24px 16px;
        max-width: min(420px, 90vw);
        background: var(--card-background-color, #fff);
        color: var(--primary-text-color, #212121);
        box-shadow: 0 8px 32px rgba(0, 0, 0, 0.35);
      }
      dialog::backdrop {
        background: rgba(0, 0, 0, 0.45);
      }
      p {
        margin: 0 0 20px;
        line-height: 1.5;
      }
    `];customElements.define("printernizer-confirm",I);var $=f`
  :host {
    display: block;
    color: var(--primary-text-color);
    font-family: var(--paper-font-body1_-_font-family, Roboto, sans-serif);
  }
  .error {
    margin: 12px 0;
    padding: 10px 14px;
    border-radius: 8px;
    color: var(--error-color, #db4437);
    background: rgba(219, 68, 55, 0.1);
  }
  .notice {
    margin: 12px 0;
    padding: 10px 14px;
    border-radius: 8px;
    background: var(--secondary-background-color, rgba(127, 127, 127, 0.12));
  }
  button {
    font: inherit;
    font-weight: 500;
    border-radius: 18px;
    padding: 6px 16px;
    min-height: 36px;
    cursor: pointer;
    border: 1px solid var(--primary-color, #03a9f4);
    background: transparent;
    color: var(--primary-color, #03a9f4);
  }
  button.primary {
    background: var(--primary-color, #03a9f4);
    color: var(--text-primary-color, #fff);
  }
  button.danger {
    border-color: var(--error-color, #db4437);
    color: var(--error-color, #db4437);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  button:focus-visible,
  select:focus-visible,
  input:focus-visible,
  tr:focus-visible,
  a:focus-visible {
    outline: 2px solid var(--primary-color, #03a9f4);
    outline-offset: 2px;
  }
  .actions {
    display: flex;
    gap: 8px;
    justify-content: flex-end;
    flex-wrap: wrap;
  }
  label.field {
    display: flex;
    flex-direction: column;
    gap: 4px;
    font-size: 0.85em;
    color: var(--secondary-text-color);
  }
  select,
  input[type="text"],
  input[type="date"],
  input[type="number"],
  input[type="search"],
  textarea {
    font: inherit;
    font-size: 1rem;
    color: var(--primary-text-color);
    background: var(--input-fill-color, var(--secondary-background-color, transparent));
    border: 1px solid var(--divider-color, #ccc);
    border-radius: 6px;
    padding: 6px 8px;
    min-height: 36px;
    box-sizing: border-box;
    color-scheme: light dark;
  }
  .filters {
    display: flex;
    flex-wrap: wrap;
    gap: 12px;
    align-items: flex-end;
    margin-bottom: 12px;
  }
  .card {
    background: var(--card-background-color, #fff);
    border-radius: var(--ha-card-border-radius, 12px);
    border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
    box-shadow: var(--ha-card-box-shadow, none);
    padding: 16px;
  }
  table {
    width: 100%;
    border-collapse: collapse;
  }
  th,
  td {
    text-align: left;
    padding: 8px 6px;
    border-bottom: 1px solid var(--divider-color, #e0e0e0);
    vertical-align: middle;
  }
  th {
    font-weight: 500;
    color: var(--secondary-text-color);
    font-size: 0.85em;
    white-space: nowrap;
  }
  td.num,
  th.num {
    text-align: right;
    white-space: nowrap;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 2px 10px;
    border-radius: 12px;
    font-size: 0.85em;
    white-space: nowrap;
    background: var(--secondary-background-color, rgba(127, 127, 127, 0.15));
  }
  .chip.ok {
    color: var(--success-color, #43a047);
  }
  .chip.busy {
    color: var(--primary-color, #03a9f4);
  }
  .chip.warn {
    color: var(--warning-color, #ffa600);
  }
  .chip.bad {
    color: var(--error-color, #db4437);
  }
  .muted {
    color: var(--secondary-text-color);
  }
  ha-icon {
    --mdc-icon-size: 18px;
  }
`;function x(r){switch(r){case"printing":case"preparing":case"downloading":return"busy";case"finished":case"downloaded":case"idle":return"ok";case"paused":case"cancelled":case"local_only":return"warn";case"failed":case"error":case"offline":return"bad";default:return""}}function ve(r,e){return r.reduce((t,i)=>t+(e(i)??0),0)}function Ve(r){let{language:e,number_format:t}=r.locale??{language:r.language};switch(t){case"comma_decimal":return"en-US";case"decimal_comma":return"de";case"space_comma":return"fr";case"system":return;default:return e}}function Ge(r){return r.locale?.number_format!=="none"}function gt(r){switch(r.locale?.date_format){case"DMY":return"en-GB";case"MDY":return"en-US";case"YMD":return"sv-SE";case"system":return;default:return r.locale?.language??r.language}}function Qe(r){return r.locale?.time_zone==="server"?r.config.time_zone:void 0}function ft(r){let e=r.locale?.time_format;return e==="12"?!0:e==="24"?!1:void 0}function p(r,e,t=0){return e==null||Number.isNaN(e)?"—":new Intl.NumberFormat(Ve(r),{minimumFractionDigits:t,maximumFractionDigits:t,useGrouping:Ge(r)}).format(e)}function _(r,e,t="EUR"){return e==null?"—":t==="mixed"?p(r,e,2):new Intl.NumberFormat(Ve(r),{style:"currency",currency:t,useGrouping:Ge(r)}).format(e)}function Ye(r){return typeof r=="string"?new Date(r):r}function _e(r,e){return e?new Intl.DateTimeFormat(gt(r),{year:"numeric",month:"2-digit",day:"2-digit",timeZone:Qe(r)}).format(Ye(e)):"—"}function ye(r,e){return e?new Intl.DateTimeFormat(r.locale?.language??r.language,{hour:"2-digit",minute:"2-digit",hour12:ft(r),timeZone:Qe(r)}).format(Ye(e)):"—"}function A(r,e){return e?`${_e(r,e)} ${ye(r,e)}`:"—"}function we(r){if(r==null)return"—";let e=Math.round(r/60),t=Math.floor(e/60),i=e%60;return t?`${t} h ${String(i).padStart(2,"0")} min`:`${i} min`}function T(r,e){if(e==null)return"—";let t=["B","KB","MB","GB","TB"],i=e,s=0;for(;i>=1024&&s<t.length-1;)i/=1024,s+=1;return`${p(r,i,s?1:0)} ${t[s]}`}function E(r){let e=t=>String(t).padStart(2,"0");return`${r.getFullYear()}-${e(r.getMonth()+1)}-${e(r.getDate())}`}function se(r,e=new Date){let t=e.getFullYear(),i=e.getMonth();switch(r){case"this_month":return{start:E(new Date(t,i,1)),end:E(new Date(t,i+1,0))};case"last_month":return{start:E(new Date(t,i-1,1)),end:E(new Date(t,i,0))};case"this_year":return{start:E(new Date(t,0,1)),end:E(new Date(t,11,31))};default:return null}}function Ze(r){if(!(!r||r.state==="unknown"||r.state==="unavailable"))return r.attributes.entity_picture}var W=class extends g{constructor(){super(),this.printers=null}async load(){let e=await this.hass.callWS({type:"printernizer/printers"});this.printers=e.printers}handleLive(e){e.kind==="printer"&&this.printers?this.printers=this.printers.map(t=>t.entry_id===e.printer.entry_id?{...e.printer,today_cost:t.today_cost}:t):(e.kind==="printers"||e.kind==="job"&&e.event!=="revised")&&this.run(()=>this.load())}async control(e,t){let i=e.entities[t];if(!i)return;await this.confirm(this.t(`confirm_${t}`,{printer:e.name}),this.t(t))&&await this.run(()=>this.hass.callService("button","press",{entity_id:i}).then(()=>{}))}thumbnail(e){let t=e.entities.thumbnail,i=t?Ze(this.hass.states[t]):void 0;return i?a`<img class="thumb" src=${i} alt="" loading="lazy" />`:a`<div class="thumb placeholder"><ha-icon icon="mdi:printer-3d"></ha-icon></div>`}temperature(e,t){if(e===null)return this.t("none");let i=`${p(this.hass,e,0)} °C`;return t?`${i} / ${p(this.hass,t,0)} °C`:i}tile(e){let t=["printing","preparing","paused"].includes(e.status);return a`<article class="card tile" aria-label=${e.name}>
      <header>
        ${this.thumbnail(e)}
        <div class="title">
          <h2>${e.name}</h2>
          <div class="muted">${e.model??(e.family==="bambu"?"Bambu Lab":"Prusa")}</div>
          <span class="chip ${x(e.status)}">${this.t(`status.${e.status}`)}</span>
        </div>
      </header>
      ${t?a`<div class="job" title=${e.job_name??""}>${e.job_name??this.t("none")}</div>
            <div
              class="bar"
              role="progressbar"
              aria-label=${this.t("progress")}
              aria-valuemin="0"
              aria-valuemax="100"
              aria-valuenow=${Math.round(e.progress??0)}
            >
              <div style="width:${e.progress??0}%"></div>
            </div>
            <dl>
              <dt>${this.t("progress")}</dt>
              <dd>${p(this.hass,e.progress,0)} %</dd>
              <dt>${this.t("remaining")}</dt>
              <dd>${e.remaining_min===null?this.t("none"):`${p(this.hass,e.remaining_min)} min`}</dd>
              <dt>${this.t("ends")}</dt>
              <dd>${ye(this.hass,e.end_time)}</dd>
              <dt>${this.t("job_cost")}</dt>
              <dd>${_(this.hass,e.job_cost)}</dd>
            </dl>`:null}
      <dl>
        <dt>${this.t("nozzle")}</dt>
        <dd>${this.temperature(e.nozzle_temperature,e.nozzle_target_temperature)}</dd>
        <dt>${this.t("bed")}</dt>
        <dd>${this.temperature(e.bed_temperature,e.bed_target_temperature)}</dd>
        ${e.chamber_temperature!==null?a`<dt>${this.t("chamber")}</dt>
              <dd>${this.temperature(e.chamber_temperature,null)}</dd>`:null}
        <dt>${this.t("today_cost")}</dt>
        <dd class="today">${_(this.hass,e.today_cost??0)}</dd>
      </dl>
      ${this.readOnly||!t?null:a`<div class="actions">
            ${e.status==="paused"?a`<button @click=${()=>this.control(e,"resume")}>${this.t("resume")}</button>`:a`<button @click=${()=>this.control(e,"pause")}>${this.t("pause")}</button>`}
            <button class="danger" @click=${()=>this.control(e,"stop")}>${this.t("stop")}</button>
          </div>`}
    </article>`}render(){return this.printers===null?a`${this.renderError()}<p class="muted">${this.t("loading")}</p>`:a`${this.renderError()}
      ${this.printers.length===0?a`<p class="notice">${this.t("no_printers")}</p>`:a`<div class="grid">${this.printers.map(e=>this.tile(e))}</div>`}`}};W.properties={...g.properties,printers:{state:!0}},W.styles=[$,f`
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
        gap: 16px;
      }
      header {
        display: flex;
        gap: 12px;
        align-items: center;
        margin-bottom: 12px;
      }
      .thumb {
        width: 72px;
        height: 72px;
        border-radius: 8px;
        object-fit: contain;
        background: var(--secondary-background-color, rgba(127, 127, 127, 0.1));
        flex: none;
      }
      .placeholder {
        display: flex;
        align-items: center;
        justify-content: center;
        --mdc-icon-size: 36px;
        color: var(--secondary-text-color);
      }
      h2 {
        margin: 0;
        font-size: 1.15em;
        font-weight: 500;
      }
      .title {
        display: flex;
        flex-direction: column;
        gap: 4px;
        align-items: flex-start;
        min-width: 0;
      }
      .job {
        font-weight: 500;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
        margin-bottom: 6px;
      }
      .bar {
        height: 8px;
        border-radius: 4px;
        background: var(--divider-color, #e0e0e0);
        overflow: hidden;
        margin-bottom: 8px;
      }
      .bar > div {
        height: 100%;
        background: var(--primary-color, #03a9f4);
        transition: width 0.5s;
      }
      dl {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 4px 12px;
        margin: 0 0 8px;
      }
      dt {
        color: var(--secondary-text-color);
      }
      dd {
        margin: 0;
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
    `];customElements.define("printernizer-farm",W);var re=50,bt=[{key:"date",order:"started_at",label:"date"},{key:"printer",order:"printer",label:"printer",optional:!0},{key:"job",order:"name",label:"job"},{key:"status",order:"status",label:"status"},{key:"duration",order:"duration",label:"duration",num:!0,optional:!0},{key:"material",order:"material",label:"material",num:!0,optional:!0},{key:"gross",order:"gross",label:"gross",num:!0}],F=class extends g{constructor(){super(),this.jobs=null,this.total=0,this.offset=0,this.orderBy="started_at",this.descending=!0,this.period="all",this.customStart="",this.customEnd="",this.printer="",this.status="",this.category="",this.printers=[],this.detail=null,this.revisions=[],this.photoUrl=null,this.saved=!1}async load(){if(!this.printers.length){let{printers:e}=await this.hass.callWS({type:"printernizer/printers"});this.printers=e}await this.loadPage()}query(){let e={type:"printernizer/jobs",limit:re,offset:this.offset,order_by:this.orderBy,descending:this.descending},t=this.period==="custom"?null:se(this.period);return t&&Object.assign(e,t),this.period==="custom"&&(this.customStart&&(e.start=this.customStart),this.customEnd&&(e.end=this.customEnd)),this.printer&&(e.config_entry_id=this.printer),this.status&&(e.status=this.status),this.category&&(e.category=this.category),e}async loadPage(){let e=await this.hass.callWS(this.query());this.jobs=e.jobs,this.total=e.total}handleLive(e){e.kind==="job"&&["started","finished","failed","cancelled","revised"].includes(e.event)&&(this.run(()=>this.loadPage()),this.detail&&this.detail.job_id===e.job_id&&this.run(()=>this.openJob(e.job_id)))}refilter(e){e(),this.offset=0,this.run(()=>this.loadPage())}sort(e){this.refilter(()=>{this.orderBy===e?this.descending=!this.descending:(this.orderBy=e,this.descending=e==="started_at"||e==="gross"||e==="duration"||e==="material")})}page(e){this.offset=Math.max(0,this.offset+e*re),this.run(()=>this.loadPage())}async openJob(e){let t=await this.hass.callWS({type:"printernizer/job",job_id:e});this.detail?.job_id!==e&&(this.saved=!1),this.photoUrl=t.job.photo?(await this.hass.callWS({type:"auth/sign_path",path:t.job.photo,expires:3600})).path:null,this.detail=t.job,this.revisions=t.revisions,await this.updateComplete;let i=this.shadowRoot.querySelector("dialog.detail");i&&!i.open&&i.showModal()}closeDetail(){this.shadowRoot.querySelector("dialog.detail")?.close(),this.detail=null}async save(e){e.preventDefault();let t=e.target,i=new FormData(t),s=this.detail.job_id,n=await this.run(async()=>{await this.hass.callWS({type:"printernizer/job/update",job_id:s,category:i.get("category"),customer:i.get("customer")??"",note:i.get("note")??""}),await this.openJob(s)});this.saved=n}jobName(e){return e.name??e.file_name??`#${e.job_id}`}materialText(e){return e.material_g===null?this.t("none"):`${p(this.hass,e.material_g,1)} g`}renderFilters(){return a`<div class="filters">
      <label class="field">${this.t("period")}
        <select
          .value=${this.period}
          @change=${e=>this.refilter(()=>this.period=e.target.value)}
        >
          ${["all","this_month","last_month","this_year","custom"].map(e=>a`<option value=${e} ?selected=${this.period===e}>${this.t(`period.${e}`)}</option>`)}
        </select>
      </label>
      ${this.period==="custom"?a`<label class="field">${this.t("from")}
              <input type="date" .value=${this.customStart}
                @change=${e=>this.refilter(()=>this.customStart=e.target.value)} />
            </label>
            <label class="field">${this.t("to")}
              <input type="date" .value=${this.customEnd}
                @change=${e=>this.refilter(()=>this.customEnd=e.target.value)} />
            </label>`:l}
      <label class="field">${this.t("printer")}
        <select @change=${e=>this.refilter(()=>this.printer=e.target.value)}>
          <option value="">${this.t("all")}</option>
          ${this.printers.map(e=>a`<option value=${e.entry_id} ?selected=${this.printer===e.entry_id}>${e.name}</option>`)}
        </select>
      </label>
      <label class="field">${this.t("status")}
        <select @change=${e=>this.refilter(()=>this.status=e.target.value)}>
          <option value="">${this.t("all")}</option>
          ${["finished","failed","cancelled","printing","paused"].map(e=>a`<option value=${e} ?selected=${this.status===e}>${this.t(`status.${e}`)}</option>`)}
        </select>
      </label>
      <label class="field">${this.t("category")}
        <select @change=${e=>this.refilter(()=>this.category=e.target.value)}>
          <option value="">${this.t("all")}</option>
          ${["business","private"].map(e=>a`<option value=${e} ?selected=${this.category===e}>${this.t(`category.${e}`)}</option>`)}
        </select>
      </label>
    </div>`}renderTable(e){return e.length?a`<table>
      <thead>
        <tr>
          ${bt.map(t=>{let i=this.orderBy===t.order;return a`<th
              class="${t.num?"num":""} ${t.optional?"optional":""}"
              aria-sort=${i?this.descending?"descending":"ascending":"none"}
            >
              <button class="sort" aria-label=${this.t("sort_by",{column:this.t(t.label)})} @click=${()=>this.sort(t.order)}>
                ${this.t(t.label)}${i?this.descending?" ↓":" ↑":""}
              </button>
            </th>`})}
        </tr>
      </thead>
      <tbody>
        ${e.map(t=>a`<tr
            tabindex="0"
            data-job=${t.job_id}
            @click=${()=>this.run(()=>this.openJob(t.job_id))}
            @keydown=${i=>{(i.key==="Enter"||i.key===" ")&&(i.preventDefault(),this.run(()=>this.openJob(t.job_id)))}}
          >
            <td>${_e(this.hass,t.started_at)}</td>
            <td class="optional">${t.printer}</td>
            <td class="name">${this.jobName(t)}</td>
            <td><span class="chip ${x(t.status)}">${this.t(`status.${t.status}`)}</span></td>
            <td class="num optional">${we(t.duration_s)}</td>
            <td class="num optional">${this.materialText(t)}</td>
            <td class="num gross">${_(this.hass,t.gross,t.currency)}</td>
          </tr>`)}
      </tbody>
    </table>
    <div class="pager">
      <span>${this.t("page",{first:p(this.hass,this.offset+1),last:p(this.hass,Math.min(this.offset+re,this.total)),total:p(this.hass,this.total)})}</span>
      <button aria-label=${this.t("previous_page")} ?disabled=${this.offset===0} @click=${()=>this.page(-1)}>‹</button>
      <button aria-label=${this.t("next_page")} ?disabled=${this.offset+re>=this.total} @click=${()=>this.page(1)}>›</button>
    </div>`:a`<p class="notice">${this.t("no_jobs")}</p>`}priceLabel(e,t){if(e.startsWith("material:")){let s=e.slice(9),n=this.t("price.material",{material:s});return t[`price_source:${s}`]==="default"?`${n} ${this.t("price.from_default")}`:n}let i=this.t(`price.${e}`);return i===`price.${e}`?e:i}priceValue(e){if(e==="true"||e==="false")return this.t(e==="true"?"yes":"no");let t=Number(e);if(Number.isNaN(t))return e;let i=e.includes(".")?Math.min(4,e.split(".")[1].length):0;return p(this.hass,t,i)}reasonText(e){if(!e)return"";let t=`reason.${e.replace(/ /g,"_")}`,i=this.t(t);return i===t?e:i}renderDetail(){let e=this.detail;if(!e)return a`<dialog class="detail"></dialog>`;let t=i=>_(this.hass,i,e.currency);return a`<dialog class="detail" aria-labelledby="job-title" @close=${()=>this.detail=null}>
      <h2 id="job-title">${this.t("job_details",{id:e.job_id})}: ${this.jobName(e)}</h2>
      ${this.photoUrl?a`<img class="photo" src=${this.photoUrl} alt=${this.t("photo_of",{name:this.jobName(e)})} />`:l}
      <dl class="facts">
        <dt>${this.t("printer")}</dt><dd>${e.printer}</dd>
        <dt>${this.t("status")}</dt><dd><span class="chip ${x(e.status)}">${this.t(`status.${e.status}`)}</span></dd>
        <dt>${this.t("started")}</dt><dd>${A(this.hass,e.started_at)}</dd>
        <dt>${this.t("ended")}</dt><dd>${A(this.hass,e.ended_at)}</dd>
        <dt>${this.t("duration")}</dt><dd>${we(e.duration_s)}</dd>
        <dt>${this.t("material")}</dt>
        <dd>${e.materials.length?e.materials.map(i=>`${i.material} ${p(this.hass,i.grams,1)} g`).join(", "):this.t("none")}</dd>
        <dt>${this.t("energy")}</dt>
        <dd>${e.energy_kwh===null?this.t("none"):`${p(this.hass,e.energy_kwh,3)} kWh`}</dd>
        <dt>${this.t("category")}</dt><dd class="category">${this.t(`category.${e.category}`)}</dd>
        ${e.customer?a`<dt>${this.t("customer")}</dt><dd>${e.customer}</dd>`:l}
        ${e.note?a`<dt>${this.t("note")}</dt><dd>${e.note}</dd>`:l}
      </dl>
      ${e.complete?l:a`<p class="notice">${this.t("incomplete")}</p>`}
      <h3>${this.t("cost_breakdown")}</h3>
      <table class="costs">
        <tr><td>${this.t("material")}</td><td class="num">${t(e.material_cost)}</td></tr>
        <tr><td>${this.t("energy")}</td><td class="num">${t(e.energy_cost)}</td></tr>
        <tr><td>${this.t("machine")}</td><td class="num">${t(e.machine_cost)}</td></tr>
        <tr><td>${this.t("net")}</td><td class="num">${t(e.net)}</td></tr>
        <tr><td>${this.t("vat")}</td><td class="num">${t(e.vat)}</td></tr>
        <tr class="total"><td>${this.t("gross")}</td><td class="num detail-gross">${t(e.gross)}</td></tr>
      </table>
      ${Object.keys(e.prices).length?a`<h3>${this.t("prices_used")}</h3>
            <table class="prices">
              ${Object.entries(e.prices).filter(([i])=>!i.startsWith("price_source:")).map(([i,s])=>a`<tr><td>${this.priceLabel(i,e.prices)}</td><td class="num">${this.priceValue(s)}</td></tr>`)}
            </table>`:l}
      <h3>${this.t("revisions")}</h3>
      <ol class="revisions">
        ${this.revisions.map(i=>a`<li>
            <strong>${this.t("revision",{revision:i.revision})}</strong>
            <span class="muted">${A(this.hass,i.revised_at)} · ${this.reasonText(i.reason)}</span>
            ${i.changed_fields.length?a`<div>${this.t("changed",{fields:i.changed_fields.map(s=>this.t(s)).join(", ")})}</div>`:l}
          </li>`)}
      </ol>
      ${this.readOnly||e.ended_at===null?l:a`<h3>${this.t("edit")}</h3>
            <form class="edit" @submit=${this.save}>
              <label class="field">${this.t("category")}
                <select name="category">
                  ${["business","private"].map(i=>a`<option value=${i} ?selected=${e.category===i}>${this.t(`category.${i}`)}</option>`)}
                </select>
              </label>
              <label class="field">${this.t("customer")}
                <input type="text" name="customer" .value=${e.customer??""} />
              </label>
              <label class="field">${this.t("note")}
                <input type="text" name="note" .value=${e.note??""} />
              </label>
              <div class="actions">
                ${this.saved?a`<span class="muted" role="status">${this.t("saved")}</span>`:l}
                <button class="primary" type="submit">${this.t("save")}</button>
              </div>
            </form>`}
      ${this.renderError()}
      <div class="actions close">
        <button @click=${()=>this.closeDetail()}>${this.t("close")}</button>
      </div>
    </dialog>`}render(){return a`${this.renderFilters()} ${this.detail?l:this.renderError()}
      <div class="card">
        ${this.jobs===null?a`<p class="muted">${this.t("loading")}</p>`:this.renderTable(this.jobs)}
      </div>
      ${this.renderDetail()}`}};F.properties={...g.properties,jobs:{state:!0},total:{state:!0},offset:{state:!0},orderBy:{state:!0},descending:{state:!0},period:{state:!0},customStart:{state:!0},customEnd:{state:!0},printer:{state:!0},status:{state:!0},category:{state:!0},printers:{state:!0},detail:{state:!0},revisions:{state:!0},photoUrl:{state:!0},saved:{state:!0}},F.styles=[$,f`
      tbody tr {
        cursor: pointer;
      }
      tbody tr:hover {
        background: var(--secondary-background-color, rgba(127, 127, 127, 0.08));
      }
      td.name {
        max-width: 280px;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      button.sort {
        border: none;
        padding: 0;
        min-height: 0;
        border-radius: 0;
        color: inherit;
        font-weight: 500;
        background: none;
      }
      .pager {
        display: flex;
        align-items: center;
        justify-content: flex-end;
        gap: 8px;
        margin-top: 12px;
      }
      dialog.detail {
        border: none;
        border-radius: 12px;
        padding: 20px 24px;
        width: min(640px, 94vw);
        max-height: 90vh;
        box-sizing: border-box;
        background: var(--card-background-color, #fff);
        color: var(--primary-text-color);
        box-shadow: 0 8px 32px rgba(0, 0, 0, 0.35);
      }
      dialog.detail::backdrop {
        background: rgba(0, 0, 0, 0.45);
      }
      dialog h2 {
        margin: 0 0 12px;
        font-size: 1.2em;
        font-weight: 500;
        overflow-wrap: anywhere;
      }
      dialog h3 {
        margin: 16px 0 6px;
        font-size: 1em;
        font-weight: 500;
      }
      img.photo {
        display: block;
        width: 100%;
        max-height: 40vh;
        object-fit: contain;
        border-radius: 8px;
        margin-bottom: 12px;
        background: var(--secondary-background-color, #eee);
      }
      dl.facts {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 4px 16px;
        margin: 0;
      }
      dl.facts dt {
        color: var(--secondary-text-color);
      }
      dl.facts dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      table.costs tr.total td {
        font-weight: 600;
      }
      ol.revisions {
        margin: 0;
        padding-left: 20px;
      }
      ol.revisions li {
        margin-bottom: 6px;
      }
      ol.revisions .muted {
        margin-left: 6px;
      }
      form.edit {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(160px, 1fr));
        gap: 12px;
        align-items: end;
      }
      form.edit .actions {
        grid-column: 1 / -1;
        align-items: center;
      }
      .actions.close {
        margin-top: 16px;
      }
      @media (max-width: 600px) {
        .optional {
          display: none;
        }
        .card {
          padding: 8px;
        }
        th,
        td {
          padding: 8px 4px;
        }
        td.name {
          max-width: 110px;
        }
        dialog.detail {
          padding: 16px;
        }
      }
    `];customElements.define("printernizer-jobs",F);var Xe={remote:"mdi:cloud-outline",downloading:"mdi:progress-download",downloaded:"mdi:check-circle-outline",failed:"mdi:alert-circle-outline",local_only:"mdi:harddisk",deleted:"mdi:delete-outline"},K=class extends g{constructor(){super(),this.files=null,this.printers=[],this.printer="",this.status="",this.search="",this.days=30,this.includeBusiness=!1,this.preview=null,this.cleaned=null}async load(){if(!this.printers.length){let{printers:i}=await this.hass.callWS({type:"printernizer/printers"});this.printers=i}let e={type:"printernizer/files"};this.printer&&(e.config_entry_id=this.printer),this.status&&(e.status=this.status),this.search&&(e.name_contains=this.search);let{files:t}=await this.hass.callWS(e);this.files=t}handleLive(e){(e.kind==="files"||e.kind==="printers")&&this.run(()=>this.load())}refilter(e){e(),this.run(()=>this.load())}onSearch(e){window.clearTimeout(this.searchTimer),this.searchTimer=window.setTimeout(()=>this.refilter(()=>this.search=e),300)}async download(e){await this.run(async()=>{let t=await this.hass.callWS({type:"printernizer/files/download",config_entry_id:e.entry_id,file_id:e.file_id});this.files=(this.files??[]).map(i=>i.file_id===e.file_id?{...i,status:t.status}:i)})}async runPreview(){this.cleaned=null,await this.run(async()=>{this.preview=await this.hass.callWS({type:"printernizer/files/cleanup",older_than_days:this.days,include_business:this.includeBusiness,dry_run:!0})})}async runCleanup(){let e=this.preview,t=T(this.hass,ve(e.candidates,s=>s.size));await this.confirm(this.t("confirm_delete",{count:e.candidates.length,size:t}),this.t("delete_files",{count:e.candidates.length}))&&await this.run(async()=>{this.cleaned=await this.hass.callWS({type:"printernizer/files/cleanup",older_than_days:this.days,include_business:this.includeBusiness,dry_run:!1}),this.preview=null,await this.load()})}renderStatus(e){return a`<span class="chip ${x(e.status)}" data-status=${e.status}>
      <ha-icon icon=${Xe[e.status]??"mdi:file-outline"}></ha-icon>${this.t(`file.${e.status}`)}
    </span>
    ${e.status==="downloading"?a`<div class="indeterminate" role="progressbar" aria-label=${this.t("file.downloading")}><div></div></div>`:l}`}renderFiles(e){return e.length?a`<table>
      <thead>
        <tr>
          <th>${this.t("name")}</th>
          <th class="optional">${this.t("printer")}</th>
          <th class="num optional">${this.t("size")}</th>
          <th>${this.t("status")}</th>
          <th class="optional">${this.t("date")}</th>
          <th><span class="visually-hidden">${this.t("download")}</span></th>
        </tr>
      </thead>
      <tbody>
        ${e.map(t=>a`<tr data-file=${t.file_id}>
            <td class="name" title=${t.remote_path}>${t.name}</td>
            <td class="optional">${t.printer}</td>
            <td class="num optional">${T(this.hass,t.size)}</td>
            <td>${this.renderStatus(t)}</td>
            <td class="optional">${A(this.hass,t.downloaded_at??t.remote_mtime)}</td>
            <td class="num">
              ${["remote","failed"].includes(t.status)&&!this.readOnly?a`<button class="icon" aria-label="${this.t("download")}: ${t.name}" title=${this.t("download")} @click=${()=>this.download(t)}>
                    <ha-icon icon="mdi:download"></ha-icon>
                  </button>`:l}
            </td>
          </tr>`)}
      </tbody>
    </table>`:a`<p class="notice">${this.t("no_files")}</p>`}renderCleanup(){let e=this.preview;return a`<section class="card cleanup" aria-labelledby="cleanup-title">
      <h2 id="cleanup-title">${this.t("cleanup")}</h2>
      <div class="filters">
        <label class="field">${this.t("older_than")}
          <input type="number" min="0" step="1" .value=${String(this.days)}
            @change=${t=>{this.days=Math.max(0,Math.floor(Number(t.target.value)||0)),this.preview=null}} />
        </label>
        <label class="check">
          <input type="checkbox" .checked=${this.includeBusiness}
            @change=${t=>{this.includeBusiness=t.target.checked,this.preview=null}} />
          ${this.t("include_business")}
        </label>
        <button @click=${()=>this.runPreview()}>${this.t("preview")}</button>
      </div>
      ${e?a`<div class="preview" role="status">
            ${e.candidates.length?a`<p>${this.t("preview_result",{count:e.candidates.length,size:T(this.hass,ve(e.candidates,t=>t.size))})}</p>
                  <ul>
                    ${e.candidates.map(t=>a`<li><span class="path">${t.local_path}</span> <span class="muted">${T(this.hass,t.size)}</span></li>`)}
                  </ul>
                  ${this.readOnly?l:a`<div class="actions">
                        <button class="danger" @click=${()=>this.runCleanup()}>
                          ${this.t("delete_files",{count:e.candidates.length})}
                        </button>
                      </div>`}`:a`<p>${this.t("nothing_to_delete")}</p>`}
          </div>`:l}
      ${this.cleaned?a`<p role="status">${this.t("deleted_result",{count:this.cleaned.deleted,size:T(this.hass,this.cleaned.freed_bytes)})}</p>`:l}
    </section>`}render(){return a`<div class="filters">
        <label class="field">${this.t("printer")}
          <select @change=${e=>this.refilter(()=>this.printer=e.target.value)}>
            <option value="">${this.t("all")}</option>
            ${this.printers.map(e=>a`<option value=${e.entry_id}>${e.name}</option>`)}
          </select>
        </label>
        <label class="field">${this.t("status")}
          <select @change=${e=>this.refilter(()=>this.status=e.target.value)}>
            <option value="">${this.t("all")}</option>
            ${Object.keys(Xe).map(e=>a`<option value=${e}>${this.t(`file.${e}`)}</option>`)}
          </select>
        </label>
        <label class="field">${this.t("search")}
          <input type="search" .value=${this.search} @input=${e=>this.onSearch(e.target.value)} />
        </label>
      </div>
      ${this.renderError()}
      <div class="card">${this.files===null?a`<p class="muted">${this.t("loading")}</p>`:this.renderFiles(this.files)}</div>
      ${this.renderCleanup()}`}};K.properties={...g.properties,files:{state:!0},printers:{state:!0},printer:{state:!0},status:{state:!0},search:{state:!0},days:{state:!0},includeBusiness:{state:!0},preview:{state:!0},cleaned:{state:!0}},K.styles=[$,f`
      td.name {
        max-width: 320px;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .cleanup {
        margin-top: 16px;
      }
      .cleanup h2 {
        margin: 0 0 12px;
        font-size: 1.1em;
        font-weight: 500;
      }
      label.check {
        display: flex;
        gap: 8px;
        align-items: center;
        max-width: 420px;
      }
      .preview ul {
        margin: 0 0 8px;
        padding-left: 20px;
        max-height: 240px;
        overflow: auto;
      }
      .path {
        overflow-wrap: anywhere;
      }
      button.icon {
        border: none;
        padding: 6px;
        min-height: 0;
        border-radius: 50%;
        --mdc-icon-size: 22px;
      }
      .indeterminate {
        position: relative;
        height: 4px;
        margin-top: 4px;
        overflow: hidden;
        border-radius: 2px;
        background: var(--divider-color, #e0e0e0);
      }
      .indeterminate > div {
        position: absolute;
        width: 40%;
        height: 100%;
        background: var(--primary-color, #03a9f4);
        animation: slide 1.2s infinite ease-in-out;
      }
      @keyframes slide {
        from {
          left: -40%;
        }
        to {
          left: 100%;
        }
      }
      .visually-hidden {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip: rect(0 0 0 0);
      }
      @media (max-width: 600px) {
        .optional {
          display: none;
        }
        .card {
          padding: 8px;
        }
        td.name {
          max-width: 150px;
        }
      }
    `];customElements.define("printernizer-files",K);var J=class extends g{constructor(){super();let e=new Date;this.report=null,this.period="this_month",this.customStart=E(new Date(e.getFullYear(),e.getMonth(),1)),this.customEnd=E(e),this.groupBy="printer",this.format="csv_de",this.exported=null}days(){return se(this.period)??{start:this.customStart,end:this.customEnd}}async load(){this.report=await this.hass.callWS({type:"printernizer/report",...this.days(),group_by:this.groupBy})}handleLive(e){e.kind==="job"&&["finished","failed","cancelled","revised"].includes(e.event)&&this.run(()=>this.load())}change(e){e(),this.exported=null,this.run(()=>this.load())}async export(){await this.run(async()=>{let e=await this.hass.callWS({type:"printernizer/export",...this.days(),format:this.format}),t=document.createElement("a");t.href=e.url,t.download=e.name,t.rel="noopener",this.shadowRoot.appendChild(t),t.click(),t.remove(),this.exported=this.t("exported",{rows:e.rows,name:e.name})})}figure(e){return(this.groupBy==="material"?e.material_cost:e.gross)??0}renderChart(e){let t=e.groups;if(!t.length)return l;let i=Math.max(...t.map(o=>this.figure(o)),.01),s=28,n=this.t(this.groupBy==="material"?"material_cost":"gross");return a`<figure class="chart">
      <figcaption>${this.t("chart_title",{figure:n,group:this.t(`group.${this.groupBy}`)})}</figcaption>
      <div class="bars" role="list">
        ${t.map(o=>{let c=this.figure(o);return a`<div class="bar-row" role="listitem">
            <span class="label" title=${o.key}>${this.groupLabel(o.key)}</span>
            <svg viewBox="0 0 100 ${s}" preserveAspectRatio="none" height=${s} aria-hidden="true">
              ${te`<rect x="0" y="0" height=${s} width=${c/i*100} rx="1"></rect>`}
            </svg>
            <span class="value">${_(this.hass,c,e.currency)}</span>
          </div>`})}
      </div>
    </figure>`}groupLabel(e){if(this.groupBy==="category")return this.t(`category.${e}`);if(this.groupBy==="month"&&/^\d{4}-\d{2}$/.test(e)){let[t,i]=e.split("-").map(Number);return new Intl.DateTimeFormat(this.hass.locale?.language??this.hass.language,{month:"long",year:"numeric"}).format(new Date(t,i-1,1))}return e}renderTotals(e){let t=e.totals,i=n=>_(this.hass,n,e.currency),s=[["net",this.t("net"),i(t.net)],["vat",this.t("vat"),i(t.vat)],["gross",this.t("gross"),i(t.gross)],["material_g",this.t("material_g"),`${p(this.hass,t.material_g,1)} g`],["energy_kwh",this.t("energy_kwh"),`${p(this.hass,t.energy_kwh,2)} kWh`],["jobs",this.t("jobs_count"),p(this.hass,t.jobs)]];return a`<div class="totals" aria-label=${this.t("totals")}>
      ${s.map(([n,o,c])=>a`<div class="card total" data-total=${n}>
          <div class="muted">${o}</div>
          <div class="amount">${c}</div>
        </div>`)}
    </div>
    ${t.unpriced_jobs?a`<p class="muted">${this.t("unpriced",{count:t.unpriced_jobs})}</p>`:l}`}renderGroups(e){if(!e.groups.length)return a`<p class="notice">${this.t("no_jobs")}</p>`;let t=this.groupBy==="material",i=s=>_(this.hass,s,e.currency);return a`<table>
      <thead>
        <tr>
          <th>${this.t(`group.${this.groupBy}`)}</th>
          <th class="num">${this.t("jobs_count")}</th>
          <th class="num optional">${this.t("material_g")}</th>
          ${t?a`<th class="num">${this.t("material_cost")}</th>`:a`<th class="num optional">${this.t("net")}</th><th class="num">${this.t("gross")}</th>`}
        </tr>
      </thead>
      <tbody>
        ${e.groups.map(s=>a`<tr>
            <td>${this.groupLabel(s.key)}</td>
            <td class="num">${p(this.hass,s.jobs)}</td>
            <td class="num optional">${p(this.hass,s.material_g,1)} g</td>
            ${t?a`<td class="num">${i(s.material_cost)}</td>`:a`<td class="num optional">${i(s.net)}</td><td class="num">${i(s.gross)}</td>`}
          </tr>`)}
      </tbody>
    </table>`}render(){return a`<div class="filters">
        <label class="field">${this.t("period")}
          <select @change=${e=>this.change(()=>this.period=e.target.value)}>
            ${["this_month","last_month","this_year","custom"].map(e=>a`<option value=${e} ?selected=${this.period===e}>${this.t(`period.${e}`)}</option>`)}
          </select>
        </label>
        ${this.period==="custom"?a`<label class="field">${this.t("from")}
                <input type="date" .value=${this.customStart} @change=${e=>this.change(()=>this.customStart=e.target.value)} />
              </label>
              <label class="field">${this.t("to")}
                <input type="date" .value=${this.customEnd} @change=${e=>this.change(()=>this.customEnd=e.target.value)} />
              </label>`:l}
        <label class="field">${this.t("group_by")}
          <select @change=${e=>this.change(()=>this.groupBy=e.target.value)}>
            ${["printer","category","material","month"].map(e=>a`<option value=${e} ?selected=${this.groupBy===e}>${this.t(`group.${e}`)}</option>`)}
          </select>
        </label>
        ${this.readOnly?l:a`<label class="field">${this.t("format")}
                <select @change=${e=>this.format=e.target.value}>
                  ${["csv_de","csv","json"].map(e=>a`<option value=${e} ?selected=${this.format===e}>${this.t(`format.${e}`)}</option>`)}
                </select>
              </label>
              <button class="primary export" @click=${()=>this.export()}>${this.t("export")}</button>`}
      </div>
      ${this.renderError()}
      ${this.exported?a`<p class="notice" role="status">${this.exported}</p>`:l}
      ${this.report===null?a`<p class="muted">${this.t("loading")}</p>`:a`${this.renderTotals(this.report)}
            <div class="card">${this.renderChart(this.report)} ${this.renderGroups(this.report)}</div>`}`}};J.properties={...g.properties,report:{state:!0},period:{state:!0},customStart:{state:!0},customEnd:{state:!0},groupBy:{state:!0},format:{state:!0},exported:{state:!0}},J.styles=[$,f`
      .totals {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(140px, 1fr));
        gap: 12px;
        margin-bottom: 16px;
      }
      .total .amount {
        font-size: 1.35em;
        font-weight: 500;
        margin-top: 4px;
        font-variant-numeric: tabular-nums;
      }
      figure.chart {
        margin: 0 0 16px;
      }
      figcaption {
        font-weight: 500;
        margin-bottom: 8px;
      }
      .bar-row {
        display: grid;
        grid-template-columns: minmax(80px, 160px) 1fr auto;
        gap: 10px;
        align-items: center;
        margin-bottom: 6px;
      }
      .bar-row .label {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .bar-row svg {
        width: 100%;
        display: block;
      }
      .bar-row rect {
        fill: var(--primary-color, #03a9f4);
      }
      .bar-row .value {
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      @media (max-width: 600px) {
        .optional {
          display: none;
        }
        .bar-row {
          grid-template-columns: 80px 1fr auto;
        }
        .card {
          padding: 8px;
        }
      }
    `];customElements.define("printernizer-costs",J);var $t={waiting:"mdi:timer-sand",uploading:"mdi:upload",starting:"mdi:play-circle-outline",printing:"mdi:printer-3d-nozzle",done:"mdi:check-circle-outline",failed:"mdi:alert-circle-outline",cancelled:"mdi:cancel"},vt={waiting:"idle",uploading:"printing",starting:"printing"},V=class extends g{constructor(){super(),this.queue=null,this.files=[],this.sourceKind="file",this.fileId="",this.path="",this.chosen=[],this.copies=1,this.added=null}async load(){let[e,t]=await Promise.all([this.hass.callWS({type:"printernizer/queue"}),this.hass.callWS({type:"printernizer/files"})]);this.queue=e,this.files=t.files.filter(s=>s.status==="downloaded"||s.status==="local_only");let i=new Set(e.printers.map(s=>s.entry_id));this.chosen=this.chosen.filter(s=>i.has(s))}handleLive(e){(e.kind==="queue"||e.kind==="printers"||e.kind==="files")&&this.run(()=>this.load())}printerName(e){return this.queue?.printers.find(t=>t.entry_id===e)?.name??e}async move(e,t){await this.run(async()=>{await this.hass.callWS({type:"printernizer/queue/move",queue_id:e.queue_id,position:t}),await this.load()})}async cancelItem(e){await this.confirm(this.t("confirm_cancel_item",{name:e.name}),this.t("remove_from_queue"))&&await this.run(async()=>{await this.hass.callWS({type:"printernizer/queue/cancel",queue_id:e.queue_id}),await this.load()})}async clearPlate(e){await this.run(async()=>{await this.hass.callWS({type:"printernizer/queue/plate",config_entry_id:e.entry_id}),await this.load()})}async add(){let e={type:"printernizer/queue/add",config_entry_id:this.chosen,copies:this.copies};this.sourceKind==="file"?e.file_id=Number(this.fileId):e.path=this.path.trim(),await this.run(async()=>{let t=await this.hass.callWS(e);this.added=t.queue_ids.length,await this.load()})}toggle(e,t){this.chosen=t?[...this.chosen.filter(i=>i!==e),e]:this.chosen.filter(i=>i!==e)}renderPrinters(e){return a`<section class="card printers" aria-labelledby="printers-title">
      <h2 id="printers-title">${this.t("queue_printers")}</h2>
      <p class="muted">${this.t("queue_rule")}</p>
      <ul>
        ${e.map(t=>a`<li data-printer=${t.entry_id}>
            <span class="name">${t.name}</span>
            <span class="chip ${t.plate_clear?"ok":"warn"}" data-plate=${t.plate_clear?"clear":"not_clear"}>
              <ha-icon icon=${t.plate_clear?"mdi:checkbox-blank-outline":"mdi:layers-triple"}></ha-icon>
              ${this.t(t.plate_clear?"plate_clear":"plate_not_clear")}
            </span>
            <span class="muted">${this.t("waiting_for_printer",{count:t.queue_length})}</span>
            ${t.plate_clear?l:a`<button class="plate" aria-label=${this.t("mark_plate_clear_of",{printer:t.name})} @click=${()=>this.clearPlate(t)}>
                  ${this.t("mark_plate_clear")}
                </button>`}
          </li>`)}
      </ul>
    </section>`}renderItems(e){if(!e.length)return a`<p class="notice">${this.t("no_queue")}</p>`;let t=e.filter(i=>i.status==="waiting").length;return a`<table>
      <thead>
        <tr>
          <th class="num">${this.t("position")}</th>
          <th>${this.t("name")}</th>
          <th>${this.t("status")}</th>
          <th class="optional">${this.t("printer")}</th>
          <th class="num optional">${this.t("attempts")}</th>
          <th><span class="visually-hidden">${this.t("cancel_item")}</span></th>
        </tr>
      </thead>
      <tbody>
        ${e.map(i=>a`<tr data-queue=${i.queue_id} data-status=${i.status}>
            <td class="num">${i.position??this.t("none")}</td>
            <td class="name" title=${i.path??i.name}>
              ${i.name}
              ${i.not_before?a`<div class="muted">≥ ${A(this.hass,i.not_before)}</div>`:l}
              ${i.error?a`<div class="item-error">${i.error}</div>`:l}
            </td>
            <td>
              <span class="chip ${x(vt[i.status]??i.status)}">
                <ha-icon icon=${$t[i.status]??"mdi:tray"}></ha-icon>${this.t(`queue.${i.status}`)}
              </span>
            </td>
            <td class="optional">
              ${i.config_entry_id?this.printerName(i.config_entry_id):i.printers.map(s=>this.printerName(s)).join(", ")}
            </td>
            <td class="num optional">${i.attempts}</td>
            <td class="num actions-cell">
              ${i.status==="waiting"?a`<button class="icon" aria-label="${this.t("move_up")}: ${i.name}" title=${this.t("move_up")}
                      ?disabled=${i.position===1} @click=${()=>this.move(i,(i.position??1)-1)}>
                      <ha-icon icon="mdi:arrow-up"></ha-icon>
                    </button>
                    <button class="icon" aria-label="${this.t("move_down")}: ${i.name}" title=${this.t("move_down")}
                      ?disabled=${i.position===t} @click=${()=>this.move(i,(i.position??1)+1)}>
                      <ha-icon icon="mdi:arrow-down"></ha-icon>
                    </button>`:l}
              ${i.status==="waiting"||i.status==="failed"?a`<button class="icon cancel" aria-label="${this.t("cancel_item")}: ${i.name}" title=${this.t("cancel_item")} @click=${()=>this.cancelItem(i)}>
                    <ha-icon icon="mdi:close"></ha-icon>
                  </button>`:l}
            </td>
          </tr>`)}
      </tbody>
    </table>`}renderForm(e){let t=this.chosen.length>0&&this.copies>=1&&(this.sourceKind==="file"?this.fileId!=="":this.path.trim()!=="");return a`<section class="card add" aria-labelledby="add-title">
      <h2 id="add-title">${this.t("queue_add")}</h2>
      <div class="filters">
        <label class="field">${this.t("queue_source")}
          <select class="source-kind" @change=${i=>this.sourceKind=i.target.value}>
            <option value="file" ?selected=${this.sourceKind==="file"}>${this.t("source.file")}</option>
            <option value="remote" ?selected=${this.sourceKind==="remote"}>${this.t("source.remote")}</option>
          </select>
        </label>
        ${this.sourceKind==="file"?a`<label class="field">${this.t("queue_file")}
              <select class="file" @change=${i=>this.fileId=i.target.value}>
                <option value="" ?selected=${this.fileId===""}>${this.files.length?"":this.t("no_downloads")}</option>
                ${this.files.map(i=>a`<option value=${String(i.file_id)} ?selected=${this.fileId===String(i.file_id)}>${i.name} (${i.printer})</option>`)}
              </select>
            </label>`:a`<label class="field">${this.t("queue_path")}
              <input class="path" type="text" placeholder="/usb/part.bgcode" .value=${this.path}
                @input=${i=>this.path=i.target.value} />
            </label>`}
        <label class="field">${this.t("copies")}
          <input class="copies" type="number" min="1" max="100" step="1" .value=${String(this.copies)}
            @change=${i=>this.copies=Math.max(1,Math.floor(Number(i.target.value)||1))} />
        </label>
      </div>
      <fieldset>
        <legend>${this.t("queue_for")}</legend>
        ${e.map(i=>a`<label class="check">
            <input type="checkbox" data-printer=${i.entry_id} .checked=${this.chosen.includes(i.entry_id)}
              @change=${s=>this.toggle(i.entry_id,s.target.checked)} />
            ${i.name}
          </label>`)}
      </fieldset>
      <div class="actions">
        ${this.added!==null?a`<span role="status" class="muted">${this.t("queued",{count:this.added})}</span>`:l}
        <button class="primary add-button" ?disabled=${!t} @click=${()=>this.add()}>${this.t("add_to_queue")}</button>
      </div>
    </section>`}render(){let e=this.queue;return a`${this.renderError()}
      ${e===null?a`<div class="card"><p class="muted">${this.t("loading")}</p></div>`:a`${this.renderPrinters(e.printers)}
            <div class="card items">${this.renderItems(e.items)}</div>
            ${this.renderForm(e.printers)}`}`}};V.properties={...g.properties,queue:{state:!0},files:{state:!0},sourceKind:{state:!0},fileId:{state:!0},path:{state:!0},chosen:{state:!0},copies:{state:!0},added:{state:!0}},V.styles=[$,f`
      section.card,
      .items {
        margin-bottom: 16px;
      }
      h2 {
        margin: 0 0 12px;
        font-size: 1.1em;
        font-weight: 500;
      }
      .printers ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .printers li {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 12px;
        padding: 6px 0;
        border-bottom: 1px solid var(--divider-color);
      }
      .printers li .name {
        font-weight: 500;
        min-width: 140px;
      }
      td.name {
        max-width: 320px;
        overflow-wrap: anywhere;
      }
      .item-error {
        color: var(--error-color, #db4437);
        font-size: 0.9em;
      }
      .actions-cell {
        white-space: nowrap;
      }
      button.icon {
        border: none;
        padding: 6px;
        min-height: 0;
        border-radius: 50%;
        --mdc-icon-size: 22px;
      }
      fieldset {
        border: 1px solid var(--divider-color);
        border-radius: 8px;
        margin: 12px 0;
      }
      label.check {
        display: inline-flex;
        gap: 6px;
        align-items: center;
        margin-right: 16px;
      }
      .visually-hidden {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip: rect(0 0 0 0);
      }
      @media (max-width: 600px) {
        .optional {
          display: none;
        }
      }
    `];customElements.define("printernizer-queue",V);var b=[{id:"farm",tag:"printernizer-farm",icon:"mdi:printer-3d",label:"view_farm"},{id:"jobs",tag:"printernizer-jobs",icon:"mdi:format-list-bulleted",label:"view_jobs"},{id:"queue",tag:"printernizer-queue",icon:"mdi:tray-full",label:"view_queue"},{id:"files",tag:"printernizer-files",icon:"mdi:folder-multiple-outline",label:"view_files"},{id:"costs",tag:"printernizer-costs",icon:"mdi:cash-multiple",label:"view_costs"}];var G=class extends v{constructor(){super();this.live=new ie;this.narrow=!1,this.view=b[0].id}connectedCallback(){super.connectedCallback(),this.hass&&this.subscribe()}disconnectedCallback(){super.disconnectedCallback();let t=this.unsubscribe;this.unsubscribe=void 0,t?.then(i=>i()).catch(()=>{})}willUpdate(t){if(t.has("hass")&&this.hass&&!t.get("hass")&&(this.subscribe(),this.hass.loadBackendTranslation?.("exceptions","printernizer")),t.has("route")&&this.route){let i=this.route.path.split("/")[1];this.view=b.some(s=>s.id===i)?i:b[0].id}}subscribe(){this.unsubscribe||!this.isConnected||(this.unsubscribe=this.hass.connection.subscribeMessage(t=>this.live.emit(t),{type:"printernizer/subscribe"}),this.unsubscribe.catch(()=>{this.unsubscribe=void 0}))}select(t){if(t===this.view)return;this.view=t;let i=this.route?.prefix??"/printernizer";history.pushState(null,"",`${i}/${t}`),window.dispatchEvent(new CustomEvent("location-changed",{detail:{replace:!1}}))}onTabKey(t){let i=b.findIndex(n=>n.id===this.view),s=i;if(t.key==="ArrowRight")s=(i+1)%b.length;else if(t.key==="ArrowLeft")s=(i-1+b.length)%b.length;else if(t.key==="Home")s=0;else if(t.key==="End")s=b.length-1;else return;t.preventDefault(),this.select(b[s].id),this.updateComplete.then(()=>this.shadowRoot.querySelector(`button[data-view="${b[s].id}"]`)?.focus())}toggleMenu(){this.dispatchEvent(new CustomEvent("hass-toggle-menu",{bubbles:!0,composed:!0}))}render(){if(!this.hass)return a``;let t=!this.hass.user?.is_admin,i=b.find(n=>n.id===this.view)??b[0],s=We(i.tag);return a`<header class="toolbar">
        ${this.narrow?a`<button class="menu" aria-label=${L(this.hass,"menu")} @click=${this.toggleMenu}>
              <ha-icon icon="mdi:menu"></ha-icon>
            </button>`:null}
        <h1>${L(this.hass,"title")}</h1>
        ${t?a`<span class="chip">${L(this.hass,"read_only")}</span>`:null}
      </header>
      <nav role="tablist" aria-label=${L(this.hass,"title")} @keydown=${this.onTabKey}>
        ${b.map(n=>a`<button
            role="tab"
            data-view=${n.id}
            aria-selected=${n.id===i.id?"true":"false"}
            tabindex=${n.id===i.id?"0":"-1"}
            @click=${()=>this.select(n.id)}
          >
            <ha-icon icon=${n.icon}></ha-icon><span>${L(this.hass,n.label)}</span>
          </button>`)}
      </nav>
      <main role="tabpanel">
        ${Fe`<${s} .hass=${this.hass} .narrow=${this.narrow} .readOnly=${t} .live=${this.live}></${s}>`}
      </main>`}};G.properties={hass:{attribute:!1},narrow:{type:Boolean},route:{attribute:!1},view:{state:!0}},G.styles=[$,f`
      :host {
        min-height: 100vh;
        background: var(--primary-background-color);
      }
      .toolbar {
        display: flex;
        align-items: center;
        gap: 8px;
        height: var(--header-height, 56px);
        padding: 0 16px;
        box-sizing: border-box;
        background: var(--app-header-background-color, var(--primary-color));
        color: var(--app-header-text-color, var(--text-primary-color, #fff));
        border-bottom: var(--app-header-border-bottom, none);
      }
      .toolbar h1 {
        margin: 0;
        font-size: 20px;
        font-weight: 400;
        flex: 1;
      }
      .toolbar .chip {
        color: inherit;
        background: rgba(255, 255, 255, 0.2);
      }
      button.menu {
        border: none;
        color: inherit;
        padding: 8px;
        margin-left: -8px;
        --mdc-icon-size: 24px;
      }
      nav {
        display: flex;
        gap: 4px;
        padding: 0 8px;
        overflow-x: auto;
        background: var(--app-header-background-color, var(--primary-color));
        border-bottom: 1px solid var(--divider-color);
      }
      nav button {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        border: none;
        border-radius: 0;
        border-bottom: 2px solid transparent;
        padding: 10px 14px;
        color: var(--app-header-text-color, var(--text-primary-color, #fff));
        opacity: 0.8;
        white-space: nowrap;
      }
      nav button[aria-selected="true"] {
        opacity: 1;
        border-bottom-color: var(--app-header-text-color, var(--text-primary-color, #fff));
      }
      main {
        padding: 16px;
        max-width: 1280px;
        margin: 0 auto;
        box-sizing: border-box;
      }
      @media (max-width: 600px) {
        main {
          padding: 12px 8px;
        }
        nav button {
          padding: 10px 10px;
        }
      }
    `];customElements.define("printernizer-panel",G);export{G as PrinternizerPanel};
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

lit-html/static.js:
  (**
   * @license
   * Copyright 2020 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)
*/
